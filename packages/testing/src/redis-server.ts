/**
 * A real `redis-server` for tests, on an ephemeral loopback port, with no persistence.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

/** A running redis-server. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL: like a crash, nothing flushed). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.write("PING\r\n");
        socket.once("data", (d) => {
          socket.destroy();
          resolve(d.toString().startsWith("+PONG"));
        });
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

function launch(port: number): ChildProcess {
  return spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    {
      stdio: "ignore",
    },
  );
}

/**
 * Starts redis-server (it must be on PATH; `.ci/run` installs it).
 * @throws when redis-server is missing or does not come up within 10 s.
 */
export async function startRedis(): Promise<TestRedis> {
  let port = await freePort();
  let child = launch(port);
  try {
    await waitForPort(port, child, 10_000);
  } catch (err) {
    // The port may have been taken between probing and binding: one more try on another port.
    child.kill("SIGKILL");
    port = await freePort();
    child = launch(port);
    await waitForPort(port, child, 10_000);
    void err;
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      child = launch(port);
      await waitForPort(port, child, 10_000);
    },
  };
}
