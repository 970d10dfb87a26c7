// Starting and stopping the processes a benchmark measures: each prints a line when it is ready.
import { spawn, spawnSync } from "node:child_process";
import os from "node:os";

/** True when `cmd` is on the PATH. */
export function has(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Pinning to a CPU works here (taskset and two or more CPUs). */
export const canPin = has("taskset") && os.cpus().length >= 2;

/** `[command, args]` running `cmd` on `cpu` when pinning is possible and asked for. */
export function onCpu(cpu, cmd, args) {
  return canPin && cpu !== undefined ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
}

/**
 * Starts `cmd` and resolves when its output matches `ready`, with the match.
 * @param options.cpu pin to this CPU; options.env extra environment
 */
export function start(cmd, args, ready, options = {}) {
  const [bin, argv] = onCpu(options.cpu, cmd, args);
  const child = spawn(bin, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "production", TURNPIKE_LOG_LEVEL: "warn", ...options.env },
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        child.stdout.off("data", onData);
        child.stderr.off("data", onData);
        resolve({ child, match: m, url: m[1] });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${cmd} exited (${code}): ${out}`)));
  });
}

/** Stops a child (SIGTERM, then SIGKILL after 5 s). */
export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", resolve);
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}
