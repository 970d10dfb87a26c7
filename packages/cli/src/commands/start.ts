/**
 * `turnpike start [-c FILE] [--no-watch]`: starts the gateway (and the admin API when configured), prints
 * one line per listener, hot-reloads FILE when it changes, and on SIGTERM/SIGINT stops accepting, lets
 * in-flight requests finish and exits 0.
 */
import { createGateway, formatProblem, watchConfig, isConfigError } from "@turnpike/core";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";

export const startCommand: Command = {
  name: "start",
  summary: "start the gateway",
  usage: [
    "turnpike start [-c FILE] [--no-watch]",
    "",
    "  -c, --config FILE   configuration file (default ./gateway.config.yml)",
    "  --no-watch          do not reload the configuration when the file changes",
  ].join("\n"),
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { config: { type: "string", short: "c" }, "no-watch": { type: "boolean" }, watch: { type: "boolean" } },
    });
    const file = path.resolve(io.cwd, values.config ?? "gateway.config.yml");
    let gateway;
    try {
      gateway = await createGateway({ config: file, env: io.env });
    } catch (err) {
      if (!isConfigError(err)) throw err;
      // The same load path as `turnpike validate`: the same problems, every one of them.
      io.err(`${file} is not valid:`);
      for (const problem of err.problems) io.err(formatProblem(problem));
      return 1;
    }
    // Watch before listening: once the listener lines are out, every later edit must be seen.
    const unwatch = values["no-watch"] ? undefined : watchConfig(gateway, file);
    let addresses;
    try {
      addresses = await gateway.listen();
    } catch (err) {
      unwatch?.();
      await gateway.close();
      if (isConfigError(err)) {
        for (const problem of err.problems) io.err(formatProblem(problem));
      } else {
        io.err(`cannot listen: ${(err as Error).message}`);
      }
      return 1;
    }
    if (addresses.http) io.out(`gateway listening on ${addresses.http}`);
    if (addresses.https) io.out(`gateway listening on ${addresses.https}`);
    if (addresses.admin) io.out(`admin listening on ${addresses.admin}`);
    // A policy's stray promise must not take every in-flight request down with the process.
    const onRejection = (reason: unknown): void =>
      gateway.logger.error("unhandled rejection (a policy or plugin bug): %s", (reason as Error)?.stack ?? reason);
    process.on("unhandledRejection", onRejection);

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    gateway.logger.info("%s: draining and stopping", signal);
    unwatch?.();
    await gateway.close();
    process.off("unhandledRejection", onRejection);
    return 0;
  },
};
