import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runTurnpike, spawnGateway, startUpstream, writeConfig, type TestUpstream } from "@turnpike/testing";
import { renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";

function configText(upstreamUrl: string, message: string): string {
  return [
    "http: { port: 0, host: 127.0.0.1 }",
    "apiEndpoints:",
    "  t: { paths: /t }",
    "  p: { paths: ['/p', '/p/*'] }",
    `serviceEndpoints: { up: { url: '${upstreamUrl}' } }`,
    "pipelines:",
    `  t: { apiEndpoints: [t], policies: [ { terminate: { statusCode: 200, message: '${message}' } } ] }`,
    "  p: { apiEndpoints: [p], policies: [ { proxy: { serviceEndpoint: up } } ] }",
  ].join("\n");
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      })
      .on("error", reject);
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("turnpike start", () => {
  let upstream: TestUpstream;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    agent.destroy();
    await upstream.close();
  });

  it("hot-reloads valid edits and ignores broken ones while requests keep flowing, none failing", async () => {
    const file = writeConfig(configText(upstream.url, "v1"));
    const gw = await spawnGateway(file);
    try {
      let running = true;
      const failures: string[] = [];
      let completed = 0;
      const worker = async (path: string): Promise<void> => {
        // Bounded: stops when the edits are done, or after 2000 requests per worker at most.
        for (let i = 0; running && i < 2000; i++) {
          try {
            const res = await get(`${gw.url}${path}`);
            if (res.status !== 200) failures.push(`${path} ${res.status} ${res.body}`);
            completed++;
          } catch (err) {
            failures.push(`${path} ${(err as Error).message}`);
          }
        }
      };
      const traffic = Promise.all([worker("/t"), worker("/p/x"), worker("/t"), worker("/p/y")]);

      writeFileSync(file, configText(upstream.url, "v2"));
      await until(async () => (await get(`${gw.url}/t`)).body === "v2", "v2 to be served");

      writeFileSync(file, configText(upstream.url, "v3").replace("statusCode: 200", "statusCode: 99"));
      await gw.waitForOutput(/configuration not reloaded, the previous one keeps serving:[\s\S]*statusCode: must be >= 100/);
      expect((await get(`${gw.url}/t`)).body).toBe("v2");

      // Editors that save by writing a new file and renaming it over the old one.
      const temp = path.join(path.dirname(file), ".gateway.config.yml.swp");
      writeFileSync(temp, configText(upstream.url, "v4"));
      renameSync(temp, file);
      await until(async () => (await get(`${gw.url}/t`)).body === "v4", "v4 to be served after a rename");

      running = false;
      await traffic;
      expect(failures).toEqual([]);
      expect(completed).toBeGreaterThan(20);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });

  it("with --no-watch keeps serving the configuration it started with", async () => {
    const file = writeConfig(configText("http://127.0.0.1:1", "first"));
    const gw = await spawnGateway(file, { args: ["--no-watch"] });
    try {
      expect((await get(`${gw.url}/t`)).body).toBe("first");
      writeFileSync(file, configText("http://127.0.0.1:1", "second"));
      // Well past the watcher's 150 ms debounce and a reload.
      await new Promise((r) => setTimeout(r, 1000));
      expect((await get(`${gw.url}/t`)).body).toBe("first");
      expect(gw.stderr() + gw.stdout()).not.toMatch(/reload/i);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });

  it.each(["SIGTERM", "SIGINT"] as const)("on %s stops accepting, finishes in-flight requests and exits 0", async (signal) => {
    let received!: () => void;
    const gotRequest = new Promise<void>((r) => (received = r));
    const slow = await startUpstream((_req, res) => {
      received();
      setTimeout(() => res.end("slow answer"), 400);
    });
    const gw = await spawnGateway(writeConfig(configText(slow.url, "x")), { args: ["--no-watch"] });
    try {
      const inFlight = get(`${gw.url}/p/slow`);
      await gotRequest;
      const exit = gw.stop(signal);
      expect(await inFlight).toEqual({ status: 200, body: "slow answer" });
      expect(await exit).toBe(0);
      const port = Number(new URL(gw.url).port);
      await expect(
        new Promise((resolve, reject) => net.connect(port, "127.0.0.1").on("connect", resolve).on("error", reject)),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await slow.close();
    }
  });

  it("exits non-zero with every problem, before listening, for an invalid file", async () => {
    const file = writeConfig(
      "http: { port: 0, host: 1 }\napiEndpoints: { a: {} }\npipelines: { p: { apiEndpoints: [a], policies: [ { terminate: { bogus: 1 } } ] } }\n",
    );
    const result = await runTurnpike(["start", "-c", file]);
    expect(result.code).toBe(1);
    // Both stages: the listener's structure and the policy's options, in one run.
    expect(result.stderr).toMatch(/http\.host: must be string/);
    expect(result.stderr).toMatch(/pipelines\.p\.policies\[0\]\.terminate\.bogus: is not a known option/);
    expect(result.stdout).not.toMatch(/listening/);
  });

  it("exits 1 with a clear message when its port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runTurnpike(["start", "-c", writeConfig(`http: { port: ${port}, host: 127.0.0.1 }\n`)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cannot listen: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
