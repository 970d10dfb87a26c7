/**
 * What `turnpike migrate` runs (see `commands/migrate.ts`): read the project, convert the system and
 * gateway files, settle the result with Turnpike's own check, import the data, print the report.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createGateway, silentLogger } from "@turnpike/core";
import { consumerStore, type ConsumerImport } from "@turnpike/policy-auth";
import { UsageError, type CommandIO } from "../command.js";
import { convertGatewayConfig } from "./convert-gateway-config.js";
import { convertSystemConfig } from "./convert-system-config.js";
import { readEgProject } from "./eg-project.js";
import { readEgRedisData } from "./eg-redis-data.js";
import { reportModels } from "./eg-models.js";
import { MigrationReport } from "./migration-report.js";
import { settleWithTurnpike } from "./settle-with-turnpike.js";

/** Runs `turnpike migrate` with its arguments; resolves to the exit code. */
export async function runMigrate(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      "eg-redis": { type: "string" },
      "no-data": { type: "boolean" },
      force: { type: "boolean" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("give the Express Gateway project directory");
  const project = readEgProject(path.resolve(io.cwd, positionals[0]!));
  const outDir = path.resolve(io.cwd, values.out ?? path.join(project.root, "turnpike"));
  const outFile = path.join(outDir, "gateway.config.yml");
  if (existsSync(outFile) && !values.force) throw new Error(`${outFile} exists (--force overwrites it)`);
  mkdirSync(outDir, { recursive: true });

  const report = new MigrationReport();
  const system = convertSystemConfig(project.system, io.env, report);
  const doc = convertGatewayConfig(project, system, outDir, report);
  const valid = await settleWithTurnpike(project.gateway, doc, outFile, io.env, report);
  reportModels(project, report);

  if (values["no-data"]) {
    report.add("changed", "data", "not imported (--no-data)");
  } else if (system.data === undefined && values["eg-redis"] === undefined) {
    // Emulated: said by the system file's report line.
  } else if (!valid) {
    report.add(
      "refused",
      "data",
      "not imported: the converted file does not load yet; fix the problems above and run migrate again (imports are idempotent)",
    );
  } else {
    const source = system.data ?? { redisOptions: {}, namespace: "EG" };
    const data = await readEgRedisData(source, report, values["eg-redis"]);
    await importData(data, outFile, io.env, report);
  }

  io.out(`wrote ${outFile}`);
  for (const line of report.render()) io.out(line);
  return report.count("refused") > 0 ? 1 : 0;
}

/** Imports into the store the converted gateway itself would use (its Redis, or its data directory). */
async function importData(data: ConsumerImport, outFile: string, env: NodeJS.ProcessEnv, report: MigrationReport): Promise<void> {
  const gateway = await createGateway({ config: outFile, env, logger: silentLogger });
  try {
    const store = consumerStore(gateway.stores, gateway.config);
    const target =
      gateway.stores.backend === "redis" ? `redis (prefix ${gateway.stores.prefix})` : path.join(gateway.stores.dataDir, "consumers.db");
    const result = await store.importConsumers(data);
    const counts = new Map<string, number>();
    for (const what of result.imported) {
      const kind = what.includes(" credential ") ? "credential" : what.split(" ", 1)[0]!;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    const summary = [...counts].map(([kind, n]) => `${n} ${kind}${n > 1 ? "s" : ""}`).join(", ") || "nothing new";
    report.add("converted", "data", `imported into ${target}: ${summary}`);
    for (const skip of result.skipped) {
      if (skip.kind === "present") report.add("converted", "data", `${skip.what}: already imported`);
      else report.add("refused", "data", `${skip.what}: ${skip.reason}`);
    }
  } finally {
    await gateway.close();
  }
}
