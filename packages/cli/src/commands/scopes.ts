/**
 * `turnpike scopes create|list|info|remove`: the scopes credentials may be given (Express Gateway's
 * `eg scopes`).
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.js";
import { ADMIN_OPTIONS, ADMIN_USAGE, adminRequest, adminTarget } from "../admin-client.js";
import { dispatch, printJson, type Subcommand } from "../subcommands.js";

const path = (scope: string): string => `/scopes/${encodeURIComponent(scope)}`;

const create: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS } });
  if (positionals.length === 0) throw new UsageError("scopes create needs at least one SCOPE");
  await adminRequest(adminTarget(values, io.env), "POST", "/scopes", { scopes: positionals });
  io.out(`created ${positionals.length === 1 ? "scope" : "scopes"} ${positionals.join(", ")}`);
  return 0;
};

const list: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, json: { type: "boolean" } } });
  if (positionals.length > 0) throw new UsageError("scopes list takes no arguments");
  const { scopes } = await adminRequest<{ scopes: string[] }>(adminTarget(values, io.env), "GET", "/scopes");
  if (values.json) printJson(io, scopes);
  else if (scopes.length === 0) io.out("no scopes");
  else scopes.forEach((s) => io.out(s));
  return 0;
};

const info: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS } });
  if (positionals.length !== 1) throw new UsageError("scopes info needs exactly one SCOPE");
  const { scope } = await adminRequest<{ scope: string }>(adminTarget(values, io.env), "GET", path(positionals[0]!));
  io.out(scope);
  return 0;
};

const remove: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS } });
  if (positionals.length === 0) throw new UsageError("scopes remove needs at least one SCOPE");
  const target = adminTarget(values, io.env);
  for (const scope of positionals) {
    await adminRequest(target, "DELETE", path(scope));
    io.out(`removed scope ${scope}`);
  }
  return 0;
};

const subcommands: Record<string, Subcommand> = { create, list, info, remove, rm: remove };

export const scopesCommand: Command = {
  name: "scopes",
  summary: "manage the scopes credentials may hold, through the admin API",
  usage: [
    "turnpike scopes <subcommand> [options]",
    "",
    "  create SCOPE...   create scopes (409 when one exists)",
    "  list              every scope",
    "  info SCOPE        check that a scope exists",
    "  remove SCOPE...   remove scopes (alias: rm)",
    "",
    ADMIN_USAGE,
  ].join("\n"),
  run: (args, io) => dispatch("scopes", subcommands, args, io),
};
