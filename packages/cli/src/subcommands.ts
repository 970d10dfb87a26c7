/**
 * Commands made of subcommands (`turnpike users create ...`): dispatching, and the output helpers the
 * admin-API commands share (key/value blocks, `-p key=value` properties, list flags).
 */
import { UsageError, type CommandIO } from "./command.js";
import { AdminApiError } from "./admin-client.js";

/** A subcommand: receives the arguments after its name and resolves to the exit code. */
export type Subcommand = (args: string[], io: CommandIO) => Promise<number>;

/**
 * Runs the subcommand named by `args[0]`.
 * @throws UsageError for a missing or unknown subcommand (exit 2 with the usage).
 */
export async function dispatch(
  command: string,
  subcommands: Readonly<Record<string, Subcommand>>,
  args: string[],
  io: CommandIO,
): Promise<number> {
  const [name, ...rest] = args;
  const names = Object.keys(subcommands);
  if (name === undefined) throw new UsageError(`${command} needs a subcommand: ${names.join(", ")}`);
  const run = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!run) throw new UsageError(`unknown ${command} subcommand ${JSON.stringify(name)}; expected one of: ${names.join(", ")}`);
  try {
    return await run(rest, io);
  } catch (err) {
    // The API's own message is the useful part; the status tells scripts and humans what kind of failure.
    if (err instanceof AdminApiError) throw new Error(`${err.message} (HTTP ${err.status} ${err.code})`, { cause: err });
    throw err;
  }
}

/** Renders an object as aligned `key: value` lines (lists comma-joined, absent values as `-`). */
export function formatRecord(record: Readonly<Record<string, unknown>>, keys: readonly string[] = Object.keys(record)): string {
  const width = Math.max(0, ...keys.map((k) => k.length));
  const cell = (v: unknown): string =>
    v === undefined || v === null ? "-" : Array.isArray(v) ? v.join(",") || "-" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return keys.map((k) => `${`${k}:`.padEnd(width + 1)}  ${cell(record[k])}`).join("\n");
}

/**
 * Reads Express Gateway's `-p key=value` properties into an object.
 * @throws UsageError for an entry without `=` or with an empty key.
 */
export function parseProperties(entries: readonly string[] | undefined): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new UsageError(`-p ${JSON.stringify(entry)}: expected key=value`);
    properties[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return properties;
}

/** Splits `a,b c` style lists (flags may be repeated, values comma- or space-separated). */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(/[\s,]+/)).filter((v) => v !== "");
}

/** Prints `value` as indented JSON. */
export function printJson(io: CommandIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Yes/no for a boolean column. */
export function yesNo(value: unknown): string {
  return value === true ? "yes" : value === false ? "no" : "-";
}
