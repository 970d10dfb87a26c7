/**
 * `turnpike users create|list|info|update|remove|activate|deactivate`: manage users (consumers) through
 * the admin API (Express Gateway's `eg users`).
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.js";
import { ADMIN_OPTIONS, ADMIN_USAGE, adminRequest, adminTarget, formatTable } from "../admin-client.js";
import { fetchAllPages } from "../admin-pages.js";
import { dispatch, formatRecord, parseProperties, printJson, yesNo, type Subcommand } from "../subcommands.js";

/** A user as the admin API returns it. */
interface User {
  id: string;
  username: string;
  isActive?: boolean;
  declared?: boolean;
  [field: string]: unknown;
}

const USER_KEYS = ["id", "username", "firstname", "lastname", "email", "redirectUri", "isActive", "declared", "createdAt", "updatedAt"];

const OUTPUT = { json: { type: "boolean" }, quiet: { type: "boolean", short: "q" } } as const;
const PROFILE = {
  property: { type: "string", short: "p", multiple: true },
  firstname: { type: "string" },
  lastname: { type: "string" },
  email: { type: "string" },
  "redirect-uri": { type: "string" },
} as const;

function profile(values: {
  property?: string[] | undefined;
  firstname?: string | undefined;
  lastname?: string | undefined;
  email?: string | undefined;
  "redirect-uri"?: string | undefined;
}): Record<string, string> {
  const body = parseProperties(values.property);
  if (values.firstname !== undefined) body.firstname = values.firstname;
  if (values.lastname !== undefined) body.lastname = values.lastname;
  if (values.email !== undefined) body.email = values.email;
  if (values["redirect-uri"] !== undefined) body.redirectUri = values["redirect-uri"];
  return body;
}

function showUser(io: Parameters<Subcommand>[1], user: User, values: { json?: boolean | undefined; quiet?: boolean | undefined }): void {
  if (values.json) printJson(io, user);
  else if (values.quiet) io.out(user.id);
  else io.out(formatRecord(user, [...USER_KEYS.filter((k) => k in user), ...Object.keys(user).filter((k) => !USER_KEYS.includes(k))]));
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`${what} needs exactly one user id or username`);
  return positionals[0]!;
}

const path = (idOrUsername: string): string => `/users/${encodeURIComponent(idOrUsername)}`;

const create: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, ...OUTPUT, ...PROFILE } });
  const body: Record<string, string> = profile(values);
  if (positionals.length > 1) throw new UsageError("users create takes one USERNAME");
  if (positionals[0] !== undefined) body.username = positionals[0];
  if (body.username === undefined) throw new UsageError("users create needs a USERNAME (or -p username=NAME)");
  const user = await adminRequest<User>(adminTarget(values, io.env), "POST", "/users", body);
  if (!values.json && !values.quiet) io.out(`created user ${user.username}`);
  showUser(io, user, values);
  return 0;
};

const list: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, ...OUTPUT } });
  if (positionals.length > 0) throw new UsageError("users list takes no arguments");
  const users = await fetchAllPages<User>(adminTarget(values, io.env), "/users", "users");
  if (values.json) printJson(io, users);
  else if (values.quiet) users.forEach((u) => io.out(u.username));
  else if (users.length === 0) io.out("no users");
  else {
    const rows = users.map((u) => ({
      ...u,
      name: [u.firstname, u.lastname].filter((n) => typeof n === "string").join(" ") || undefined,
      active: yesNo(u.isActive),
      source: u.declared ? "config" : "api",
    }));
    io.out(formatTable(rows, ["id", "username", "name", "email", "active", "source"]));
  }
  return 0;
};

const info: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, ...OUTPUT } });
  const user = await adminRequest<User>(adminTarget(values, io.env), "GET", path(one(positionals, "users info")));
  showUser(io, user, values);
  return 0;
};

const update: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, ...OUTPUT, ...PROFILE } });
  const body = profile(values);
  if (Object.keys(body).length === 0)
    throw new UsageError("users update needs at least one field (--firstname, --email, -p key=value ...)");
  const user = await adminRequest<User>(adminTarget(values, io.env), "PUT", path(one(positionals, "users update")), body);
  if (!values.json && !values.quiet) io.out(`updated user ${user.username}`);
  showUser(io, user, values);
  return 0;
};

const remove: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, quiet: OUTPUT.quiet } });
  if (positionals.length === 0) throw new UsageError("users remove needs at least one user id or username");
  const target = adminTarget(values, io.env);
  for (const user of positionals) {
    await adminRequest(target, "DELETE", path(user));
    io.out(values.quiet ? user : `removed user ${user}`);
  }
  return 0;
};

function setStatus(status: boolean): Subcommand {
  return async (args, io) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, quiet: OUTPUT.quiet } });
    if (positionals.length === 0)
      throw new UsageError(`users ${status ? "activate" : "deactivate"} needs at least one user id or username`);
    const target = adminTarget(values, io.env);
    for (const user of positionals) {
      const answer = await adminRequest<{ status?: string }>(target, "PUT", `${path(user)}/status`, { status });
      io.out(values.quiet ? user : `${user}: ${(answer?.status ?? (status ? "Activated" : "Deactivated")).toLowerCase()}`);
    }
    return 0;
  };
}

const subcommands: Record<string, Subcommand> = {
  create,
  list,
  info,
  update,
  remove,
  rm: remove,
  activate: setStatus(true),
  deactivate: setStatus(false),
};

export const usersCommand: Command = {
  name: "users",
  summary: "manage users (consumers) through the admin API",
  usage: [
    "turnpike users <subcommand> [options]",
    "",
    "  create USERNAME [--firstname F] [--lastname L] [--email E] [--redirect-uri U] [-p key=value]...",
    "  list                       every user (all pages), as a table",
    "  info ID|USERNAME           one user",
    "  update ID|USERNAME [--firstname F] [--lastname L] [--email E] [-p key=value]...",
    "  remove ID|USERNAME...      remove users with their credentials and apps (alias: rm)",
    "  activate ID|USERNAME...    re-activate users",
    "  deactivate ID|USERNAME...  deactivate users (their credentials stop working)",
    "",
    "  --json            print the API's JSON",
    "  -q, --quiet       print only ids (create, info) or usernames (list)",
    ADMIN_USAGE,
  ].join("\n"),
  run: (args, io) => dispatch("users", subcommands, args, io),
};
