/**
 * Running the real `turnpike start` in a child process, for end-to-end tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

/** A gateway running in a child process. */
export interface GatewayProcess extends WatchedProcess {
  /** URL of the first gateway listener. */
  readonly url: string;
  /** URL of the admin API, when it was expected. */
  readonly adminUrl: string | undefined;
}

/** Options of {@link spawnGateway}. */
export interface SpawnGatewayOptions {
  /** Extra arguments after `start -c FILE`, e.g. `["--no-watch"]`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Wait for the admin listener line too. */
  admin?: boolean;
  /** Bound on start-up. Default 20 s. */
  timeoutMs?: number;
}

/** Path of the `turnpike` binary's script. */
export function cliPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@turnpike/cli/package.json")), "dist", "bin.js");
}

/** Runs a CLI command to completion; resolves with its exit code and output. */
export async function runTurnpike(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath(), ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A child process whose output is collected, for end-to-end tests. */
export interface WatchedProcess {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until `pattern` appears in stdout or stderr; resolves with its match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (default SIGTERM; SIGKILL after 15 s) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `command` with piped output and helpers to wait for lines and stop it.
 * @example
 * ```ts
 * const app = spawnProcess(process.execPath, ["start.js"], { cwd: exampleDir, env: { PORT: "0" } });
 * const [, url] = await app.waitForOutput(/gateway listening on (\S+)/);
 * ```
 */
export function spawnProcess(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): WatchedProcess {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    notify();
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.once("exit", notify);

  const waitForOutput = (pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(stdout) ?? pattern.exec(stderr);
        if (match) {
          cleanup();
          resolve(match);
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`process exited (${child.exitCode}) before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Starts `turnpike start -c configFile` and waits for its listener lines.
 * @throws when the process exits or does not print them in time (its output is in the message).
 */
export async function spawnGateway(configFile: string, options: SpawnGatewayOptions = {}): Promise<GatewayProcess> {
  const proc = spawnProcess(process.execPath, [cliPath(), "start", "-c", configFile, ...(options.args ?? [])], {
    cwd: path.dirname(configFile),
    env: options.env ?? {},
  });
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    const [, url] = await proc.waitForOutput(/gateway listening on (\S+)/, timeoutMs);
    const adminUrl = options.admin ? (await proc.waitForOutput(/admin listening on (\S+)/, timeoutMs))[1] : undefined;
    return { ...proc, url: url!, adminUrl };
  } catch (err) {
    proc.child.kill("SIGKILL");
    throw err;
  }
}
