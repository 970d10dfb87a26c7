/**
 * A small leveled logger. Turnpike logs one line per event to stderr: `level name: message` for people,
 * or one JSON object per line with `TURNPIKE_LOG_FORMAT=json` for log shippers.
 */
import { format } from "node:util";

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
/** A level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The logger given to policies and plugins (through their context) and used by the gateway. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
  /** A logger whose lines are prefixed with `name` (e.g. `policy rate-limit`). */
  child(name: string): Logger;
}

/** Where log lines go; tests pass one to capture them. */
export type LogSink = (line: string) => void;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. Default: `TURNPIKE_LOG_LEVEL` or `LOG_LEVEL` from the environment, else `info`. */
  level?: LogLevel;
  /** `text` (default) or `json` (one object per line). Default: `TURNPIKE_LOG_FORMAT` from the environment. */
  format?: "text" | "json";
  /** Receives each line. Default: standard error. */
  sink?: LogSink;
  /** Name shown on each line. */
  name?: string;
}

function envLevel(): LogLevel | undefined {
  const value = (process.env.TURNPIKE_LOG_LEVEL ?? process.env.LOG_LEVEL ?? "").toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : undefined;
}

/** Creates a {@link Logger}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? envLevel() ?? "info");
  const json = (options.format ?? process.env.TURNPIKE_LOG_FORMAT) === "json";
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));

  const make = (name: string): Logger => {
    const write = (level: LogLevel, message: string, args: unknown[]): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const text = args.length > 0 ? format(message, ...args) : message;
      if (json) {
        sink(JSON.stringify({ time: new Date().toISOString(), level, name: name || undefined, msg: text }));
      } else {
        sink(`${level}${name ? ` ${name}` : ""}: ${text}`);
      }
    };
    return {
      debug: (m, ...a) => write("debug", m, a),
      info: (m, ...a) => write("info", m, a),
      warn: (m, ...a) => write("warn", m, a),
      error: (m, ...a) => write("error", m, a),
      child: (child) => make(name ? `${name} ${child}` : child),
    };
  };
  return make(options.name ?? "");
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: "silent" });
