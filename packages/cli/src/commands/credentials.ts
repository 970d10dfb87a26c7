/**
 * `turnpike credentials create|list|info|revoke|activate|scopes`: manage key-auth, basic-auth and jwt
 * credentials through the admin API (Express Gateway's `eg credentials` and `eg credential-scopes`).
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.js";
import { ADMIN_OPTIONS, ADMIN_USAGE, adminRequest, adminTarget, formatTable } from "../admin-client.js";
import { fetchAllPages } from "../admin-pages.js";
import { dispatch, formatRecord, printJson, splitList, yesNo, type Subcommand } from "../subcommands.js";

/** A credential as the admin API returns it (secrets only in the answer to create). */
interface Credential {
  type: string;
  id: string;
  consumerId?: string;
  keyId?: string;
  keySecret?: string;
  password?: string;
  scopes?: string[];
  isActive?: boolean;
  declared?: boolean;
  [field: string]: unknown;
}

const TYPES = ["key-auth", "basic-auth", "jwt"];
const CREDENTIAL_KEYS = [
  "type",
  "id",
  "consumerId",
  "keyId",
  "keySecret",
  "password",
  "scopes",
  "isActive",
  "declared",
  "createdAt",
  "updatedAt",
];

const OUTPUT = { json: { type: "boolean" }, quiet: { type: "boolean", short: "q" } } as const;
const TYPE = { type: { type: "string", short: "t" } } as const;

function credentialType(value: string | undefined): string {
  const type = value ?? "key-auth";
  if (!TYPES.includes(type)) throw new UsageError(`--type must be one of ${TYPES.join(", ")}`);
  return type;
}

const path = (type: string, id: string): string => `/credentials/${encodeURIComponent(type)}/${encodeURIComponent(id)}`;

function show(io: Parameters<Subcommand>[1], credential: Credential): void {
  const keys = [...CREDENTIAL_KEYS.filter((k) => k in credential), ...Object.keys(credential).filter((k) => !CREDENTIAL_KEYS.includes(k))];
  io.out(formatRecord(credential, keys));
}

const create: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...ADMIN_OPTIONS,
      ...OUTPUT,
      ...TYPE,
      consumer: { type: "string", short: "c" },
      "key-id": { type: "string" },
      "key-secret": { type: "string" },
      password: { type: "string" },
      scopes: { type: "string", short: "s", multiple: true },
    },
  });
  if (positionals.length > 0) throw new UsageError("credentials create takes no positional arguments (use -c CONSUMER -t TYPE)");
  if (values.consumer === undefined) throw new UsageError("credentials create needs -c CONSUMER (a user or app id, or a username)");
  const type = credentialType(values.type);
  const credential: Record<string, unknown> = {};
  if (values["key-id"] !== undefined) credential.keyId = values["key-id"];
  if (values["key-secret"] !== undefined) credential.keySecret = values["key-secret"];
  if (values.password !== undefined) credential.password = values.password;
  const scopes = splitList(values.scopes);
  if (scopes.length > 0) credential.scopes = scopes;
  const created = await adminRequest<Credential>(adminTarget(values, io.env), "POST", "/credentials", {
    consumerId: values.consumer,
    type,
    credential,
  });
  if (values.json) printJson(io, created);
  else if (values.quiet) {
    // Express Gateway's -q output: what a client needs to authenticate.
    if (created.keyId !== undefined) io.out(`${created.keyId}:${created.keySecret ?? ""}`);
    else io.out(created.password !== undefined ? `${created.id}:${created.password}` : created.id);
  } else {
    io.out(`created ${type} credential ${created.id} for ${values.consumer}`);
    show(io, created);
    if (created.keySecret !== undefined || created.password !== undefined) io.out("\nThe secret is shown only now: store it safely.");
  }
  return 0;
};

const list: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...ADMIN_OPTIONS,
      ...OUTPUT,
      consumer: { type: "string", short: "c" },
      filter: { type: "string", short: "f" },
      type: TYPE.type,
    },
  });
  if (positionals.length > 0) throw new UsageError("credentials list takes no positional arguments (use -c CONSUMER)");
  const filter = values.filter ?? "all";
  if (!["all", "active", "inactive", "archived"].includes(filter)) throw new UsageError("--filter must be all, active or inactive");
  const query = new URLSearchParams();
  if (values.consumer !== undefined) query.set("consumerId", values.consumer);
  const type = values.type === undefined ? undefined : credentialType(values.type);
  const all = await fetchAllPages<Credential>(
    adminTarget(values, io.env),
    `/credentials${query.size > 0 ? `?${query}` : ""}`,
    "credentials",
  );
  const credentials = all.filter(
    (c) => (filter === "all" || (filter === "active") === (c.isActive !== false)) && (type === undefined || c.type === type),
  );
  if (values.json) printJson(io, credentials);
  else if (values.quiet) credentials.forEach((c) => io.out(c.id));
  else if (credentials.length === 0) io.out(values.consumer === undefined ? "no credentials" : `${values.consumer} has no credentials`);
  else {
    const rows = credentials.map((c) => ({
      ...c,
      consumer: c.consumerId,
      active: yesNo(c.isActive),
      source: c.declared ? "config" : "api",
    }));
    io.out(formatTable(rows, ["type", "id", "consumer", "scopes", "active", "source"]));
  }
  return 0;
};

function oneId(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`${what} needs exactly one credential id (the keyId for key-auth and jwt)`);
  return positionals[0]!;
}

const info: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...ADMIN_OPTIONS, ...OUTPUT, ...TYPE } });
  const credential = await adminRequest<Credential>(
    adminTarget(values, io.env),
    "GET",
    path(credentialType(values.type), oneId(positionals, "credentials info")),
  );
  if (values.json) printJson(io, credential);
  else if (values.quiet) io.out(credential.id);
  else show(io, credential);
  return 0;
};

function setStatus(status: boolean, verb: string): Subcommand {
  return async (args, io) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...ADMIN_OPTIONS, ...TYPE, quiet: OUTPUT.quiet },
    });
    if (positionals.length === 0)
      throw new UsageError(`credentials ${verb} needs at least one credential id (the keyId for key-auth and jwt)`);
    const type = credentialType(values.type);
    const target = adminTarget(values, io.env);
    for (const id of positionals) {
      const answer = await adminRequest<{ status?: string }>(target, "PUT", `${path(type, id)}/status`, { status });
      io.out(values.quiet ? id : `${type} ${id}: ${(answer?.status ?? (status ? "Activated" : "Deactivated")).toLowerCase()}`);
    }
    return 0;
  };
}

const scopes: Subcommand = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...ADMIN_OPTIONS,
      ...TYPE,
      add: { type: "string", multiple: true },
      remove: { type: "string", multiple: true },
      set: { type: "string", multiple: true },
    },
  });
  const id = oneId(positionals, "credentials scopes");
  const type = credentialType(values.type);
  const target = adminTarget(values, io.env);
  const add = splitList(values.add);
  const remove = splitList(values.remove);
  if (values.set !== undefined) {
    if (add.length > 0 || remove.length > 0) throw new UsageError("--set replaces every scope: do not combine it with --add or --remove");
    await adminRequest(target, "PUT", `${path(type, id)}/scopes`, { scopes: splitList(values.set) });
  } else {
    if (add.length === 0 && remove.length === 0) throw new UsageError("credentials scopes needs --add, --remove or --set");
    for (const scope of add) await adminRequest(target, "PUT", `${path(type, id)}/scopes/${encodeURIComponent(scope)}`);
    for (const scope of remove) await adminRequest(target, "DELETE", `${path(type, id)}/scopes/${encodeURIComponent(scope)}`);
  }
  const credential = await adminRequest<Credential>(target, "GET", path(type, id));
  io.out(`${type} ${id}: scopes ${credential.scopes?.length ? credential.scopes.join(",") : "(none)"}`);
  return 0;
};

const revoke = setStatus(false, "revoke");
const subcommands: Record<string, Subcommand> = {
  create,
  list,
  info,
  revoke,
  deactivate: revoke,
  activate: setStatus(true, "activate"),
  scopes,
};

export const credentialsCommand: Command = {
  name: "credentials",
  summary: "manage key-auth, basic-auth and jwt credentials through the admin API",
  usage: [
    "turnpike credentials <subcommand> [options]",
    "",
    "  create -c CONSUMER [-t TYPE] [--key-id ID] [--key-secret S] [--password P] [-s SCOPE,...]",
    "                          create a credential; key-auth/jwt secrets and basic-auth passwords are",
    "                          generated when not given, and shown only in this answer",
    "  list [-c CONSUMER] [-t TYPE] [-f all|active|inactive]",
    "                          credentials as a table (no secrets)",
    "  info ID [-t TYPE]       one credential (ID: the keyId for key-auth and jwt)",
    "  revoke ID... [-t TYPE]  deactivate credentials: rejected by the gateway within a second (alias: deactivate)",
    "  activate ID... [-t TYPE]",
    "  scopes ID [-t TYPE] (--add S,... | --remove S,... | --set S,...)",
    "",
    "  -t, --type TYPE   key-auth (default), basic-auth or jwt",
    "  --json            print the API's JSON",
    "  -q, --quiet       create: print keyId:keySecret (or id:password); others: ids only",
    ADMIN_USAGE,
  ].join("\n"),
  run: (args, io) => dispatch("credentials", subcommands, args, io),
};
