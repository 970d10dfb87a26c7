#!/usr/bin/env node
/**
 * The `turnpike` binary.
 */
import { processIO, runCli } from "./run-cli.js";

runCli(process.argv.slice(2), processIO).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`turnpike: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
