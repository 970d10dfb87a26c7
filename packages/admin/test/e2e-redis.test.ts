/**
 * End to end with Redis: two `turnpike start` processes sharing one real redis-server. A key issued
 * through one instance's admin API works on the other within 1 s, and so does its revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { rmSync } from "node:fs";
import path from "node:path";
import {
  runTurnpike,
  spawnGateway,
  startRedis,
  startUpstream,
  writeConfig,
  type GatewayProcess,
  type TestRedis,
  type TestUpstream,
} from "@turnpike/testing";
import { eventually, statusOf } from "./eventually.js";

const TOKEN = "e2e-redis-admin-token";
let redis: TestRedis;
// Real processes on a machine shared with other work: each CLI call starts a Node process.
const E2E_TIMEOUT_MS = 120_000;
let upstream: TestUpstream;
const files: string[] = [];
const gateways: GatewayProcess[] = [];

function config(): string {
  const file = writeConfig({
    http: { port: 0, host: "127.0.0.1" },
    admin: { port: 0, host: "127.0.0.1", token: TOKEN },
    redis: { url: redis.url, prefix: "e2e:" },
    apiEndpoints: { api: { paths: ["/api/*"] } },
    serviceEndpoints: { echo: { url: upstream.url } },
    pipelines: { api: { apiEndpoints: ["api"], policies: [{ "key-auth": {} }, { proxy: { serviceEndpoint: "echo" } }] } },
  });
  files.push(file);
  return file;
}

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startUpstream();
  gateways.push(await spawnGateway(config(), { admin: true, args: ["--no-watch"] }));
  gateways.push(await spawnGateway(config(), { admin: true, args: ["--no-watch"] }));
}, E2E_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop("SIGKILL")));
  await upstream?.close();
  await redis?.stop();
  for (const file of files) rmSync(path.dirname(file), { recursive: true, force: true });
});

const cli = (gateway: GatewayProcess, args: string[]) =>
  runTurnpike(args, { env: { TURNPIKE_ADMIN_URL: gateway.adminUrl!, TURNPIKE_ADMIN_TOKEN: TOKEN } });

describe("two gateway instances sharing Redis", () => {
  it(
    "see a key issued on one and its revocation on the other within 1 s",
    async () => {
      const [a, b] = gateways as [GatewayProcess, GatewayProcess];
      expect((await cli(a, ["users", "create", "rita"])).code).toBe(0);
      const key = await cli(a, ["credentials", "create", "-c", "rita", "-q"]);
      expect(key.code).toBe(0);
      const [keyId, keySecret] = key.stdout.trim().split(":") as [string, string];
      const authorization = `apiKey ${keyId}:${keySecret}`;

      expect(await eventually(async () => (await statusOf(`${b.url}/api/x`, authorization)) === 200, 1000)).toBe(true);
      const userId = upstream.requests.at(-1)!.headers["x-consumer-id"];
      expect(userId).toEqual(expect.any(String));
      const seenByB = await cli(b, ["users", "info", "rita", "-q"]);
      expect(seenByB.stdout.trim()).toBe(userId);

      expect((await cli(a, ["credentials", "revoke", keyId])).code).toBe(0);
      expect(await eventually(async () => (await statusOf(`${b.url}/api/x`, authorization)) === 401, 1000)).toBe(true);
      expect(await statusOf(`${a.url}/api/x`, authorization)).toBe(401);

      // And back, issued through the other instance's admin API this time.
      expect((await cli(b, ["credentials", "activate", keyId])).code).toBe(0);
      expect(await eventually(async () => (await statusOf(`${a.url}/api/x`, authorization)) === 200, 1000)).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );
});
