/**
 * `turnpike cache purge`: removes entries of the `cache` policy through the admin API
 * (`DELETE /cache`): everything, everything under a path prefix, or one resource with all its variants.
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.js";
import { ADMIN_OPTIONS, ADMIN_USAGE, adminRequest, adminTarget } from "../admin-client.js";
import { dispatch, printJson, type Subcommand } from "../subcommands.js";

const purge: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...ADMIN_OPTIONS,
      all: { type: "boolean" },
      prefix: { type: "string" },
      key: { type: "string" },
      host: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length > 0) throw new UsageError("cache purge takes no positional arguments");
  const given = [values.all === true, values.prefix !== undefined, values.key !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError("cache purge needs exactly one of --all, --prefix PATH or --key PATH");
  if (values.all && values.host !== undefined) throw new UsageError("--host cannot be combined with --all");
  const body: Record<string, unknown> = values.all
    ? { all: true }
    : values.prefix !== undefined
      ? { prefix: values.prefix }
      : { key: values.key };
  if (values.host !== undefined) body.host = values.host;
  const { purged } = await adminRequest<{ purged: number }>(adminTarget(values, io.env), "DELETE", "/cache", body);
  if (values.json) printJson(io, { purged });
  else io.out(`purged ${purged} ${purged === 1 ? "entry" : "entries"}`);
  return 0;
};

export const cacheCommand: Command = {
  name: "cache",
  summary: "purge entries of the response cache, through the admin API",
  usage: [
    "turnpike cache purge (--all | --prefix PATH | --key PATH) [--host HOST] [options]",
    "",
    "  --all             remove every entry",
    "  --prefix PATH     remove the entries whose path starts with PATH (e.g. /users/)",
    "  --key PATH        remove one resource, every variant of it: a path and query (/users/42?x=1),",
    "                    optionally preceded by a host (api.example.com/users/42)",
    "  --host HOST       only entries for this Host (without a port: any port)",
    '  --json            print {"purged": N}',
    "",
    ADMIN_USAGE,
  ].join("\n"),
  run: (args, io) => dispatch("cache", { purge }, args, io),
};
