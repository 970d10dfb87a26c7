/**
 * `turnpike migrate EG_DIR [-o DIR]`: converts an Express Gateway project (gateway and system files,
 * and the users, apps, credentials and scopes in its Redis database) into a Turnpike project, and
 * prints what was converted, changed and refused. Exit 0 when nothing was refused, 1 otherwise (the
 * output is written either way), 2 for bad usage.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createGateway, silentLogger } from "@turnpike/core";
import { consumerStore, type ConsumerImport } from "@turnpike/policy-auth";
import { UsageError, type Command } from "../command.js";
import { convertGatewayConfig } from "../migrate/convert-gateway-config.js";
import { convertSystemConfig } from "../migrate/convert-system-config.js";
import { readEgProject } from "../migrate/eg-project.js";
import { readEgRedisData } from "../migrate/eg-redis-data.js";
import { reportModels } from "../migrate/eg-models.js";
import { MigrationReport } from "../migrate/migration-report.js";
import { settleWithTurnpike } from "../migrate/settle-with-turnpike.js";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "convert an Express Gateway project (config and consumers) to Turnpike",
  usage: [
    "turnpike migrate EG_DIR [-o DIR] [--eg-redis URL] [--no-data] [--force]",
    "",
    "  EG_DIR            the Express Gateway project (its root or its config/ directory)",
    "  -o, --out DIR     where to write gateway.config.yml (default EG_DIR/turnpike)",
    "  --eg-redis URL    read Express Gateway's data from this Redis instead of system.config.yml's",
    "  --no-data         convert the files only; import no users, apps or credentials",
    "  --force           overwrite DIR/gateway.config.yml",
  ].join("\n"),
  async run(args, io) {
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
  },
};

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
