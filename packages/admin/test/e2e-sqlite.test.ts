/**
 * End to end with SQLite: a real `turnpike start` process, the real CLI talking to its admin API, the
 * data plane in between, and a crash (SIGKILL) and restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { runTurnpike, spawnGateway, startUpstream, writeConfig, type GatewayProcess, type TestUpstream } from "@turnpike/testing";
import { eventually, statusOf } from "./eventually.js";

const TOKEN = "e2e-sqlite-admin-token";
// Real processes on a machine shared with other work: each CLI call starts a Node process.
const E2E_TIMEOUT_MS = 120_000;
let upstream: TestUpstream;
let configFile: string;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  upstream = await startUpstream();
  configFile = writeConfig({
    http: { port: 0, host: "127.0.0.1" },
    admin: { port: 0, host: "127.0.0.1", token: "${E2E_ADMIN_TOKEN}" },
    apiEndpoints: { api: { paths: ["/api", "/api/*"] } },
    serviceEndpoints: { echo: { url: upstream.url } },
    pipelines: { api: { apiEndpoints: ["api"], policies: [{ "key-auth": {} }, { proxy: { serviceEndpoint: "echo" } }] } },
  });
});
afterAll(async () => {
  await gateway?.stop("SIGKILL");
  await upstream?.close();
  rmSync(path.dirname(configFile), { recursive: true, force: true });
});

const start = (): Promise<GatewayProcess> =>
  spawnGateway(configFile, { admin: true, args: ["--no-watch"], env: { E2E_ADMIN_TOKEN: TOKEN } });
const cli = (args: string[]) => runTurnpike(args, { env: { TURNPIKE_ADMIN_URL: gateway!.adminUrl!, TURNPIKE_ADMIN_TOKEN: TOKEN } });

describe("a gateway process with SQLite", () => {
  it(
    "issues a key through the CLI, serves it, revokes it within 1 s, and keeps everything across a crash",
    async () => {
      gateway = await start();
      const user = await cli(["users", "create", "eve", "--email", "eve@example.com", "-q"]);
      expect(user).toMatchObject({ code: 0, stderr: "" });
      const userId = user.stdout.trim();

      const key = await cli(["credentials", "create", "-c", "eve", "-t", "key-auth", "-q"]);
      expect(key.code).toBe(0);
      const [keyId, keySecret] = key.stdout.trim().split(":") as [string, string];
      const authorization = `apiKey ${keyId}:${keySecret}`;

      expect(await statusOf(`${gateway.url}/api/orders`, authorization)).toBe(200);
      expect(upstream.requests.at(-1)!.headers["x-consumer-id"]).toBe(userId);
      expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();

      const revoked = await cli(["credentials", "revoke", keyId]);
      expect(revoked).toMatchObject({ code: 0, stdout: `key-auth ${keyId}: deactivated\n` });
      expect(await eventually(async () => (await statusOf(`${gateway!.url}/api/orders`, authorization)) === 401, 1000)).toBe(true);

      // Neither the key's secret nor the admin token reached the gateway's output.
      expect(gateway.stdout() + gateway.stderr()).not.toContain(keySecret);
      expect(gateway.stdout() + gateway.stderr()).not.toContain(TOKEN);

      // A crash right after the acknowledged writes: they must be on disk, next to the config file.
      expect(await gateway.stop("SIGKILL")).toBeNull();
      expect(existsSync(path.join(path.dirname(configFile), ".turnpike", "consumers.db"))).toBe(true);
      gateway = await start();

      const info = await cli(["users", "info", "eve"]);
      expect(info.code).toBe(0);
      expect(info.stdout).toMatch(new RegExp(`id:\\s+${userId}`));
      expect(info.stdout).toMatch(/email:\s+eve@example\.com/);
      const list = await cli(["credentials", "list", "-c", "eve"]);
      expect(list.stdout).toMatch(new RegExp(`key-auth\\s+${keyId}\\s+${userId}\\s+-\\s+no\\s+api`));
      expect(await statusOf(`${gateway.url}/api/orders`, authorization)).toBe(401);

      expect((await cli(["credentials", "activate", keyId])).code).toBe(0);
      expect(await eventually(async () => (await statusOf(`${gateway!.url}/api/orders`, authorization)) === 200, 1000)).toBe(true);
      expect(await gateway.stop()).toBe(0);
      gateway = undefined;
    },
    E2E_TIMEOUT_MS,
  );
});
