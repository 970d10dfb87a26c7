/**
 * Running the real `turnpike start` in a child process, for end-to-end tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

/** A gateway running in a child process. */
export interface GatewayProcess {
  /** URL of the first gateway listener. */
  readonly url: string;
  /** URL of the admin API, when it was expected. */
  readonly adminUrl: string | undefined;
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until `pattern` appears in stderr or stdout (bounded by `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
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
export async function runTurnpike(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath(), ...args], { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * Starts `turnpike start -c configFile` and waits for its listener lines.
 * @throws when the process exits or does not print them in time (its output is in the message).
 */
export async function spawnGateway(configFile: string, options: SpawnGatewayOptions = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [cliPath(), "start", "-c", configFile, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    cwd: path.dirname(configFile),
    stdio: ["ignore", "pipe", "pipe"],
  });
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

  const waitForOutput = (pattern: RegExp, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(stdout) || pattern.test(stderr)) {
          cleanup();
          resolve();
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`gateway exited (${child.exitCode}) before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
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

  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    await waitForOutput(/gateway listening on (\S+)/, timeoutMs);
    if (options.admin) await waitForOutput(/admin listening on (\S+)/, timeoutMs);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    url: /gateway listening on (\S+)/.exec(stdout)![1]!,
    adminUrl: /admin listening on (\S+)/.exec(stdout)?.[1],
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
