import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import path from "node:path";
import { Redis } from "ioredis";
import {
  spawnGateway,
  startRedis,
  startUpstream,
  writeConfig,
  type GatewayProcess,
  type TestRedis,
  type TestUpstream,
} from "@turnpike/testing";
import { createRedisConsumerStore, createSqliteConsumerStore, declaredConsumerId, SQLITE_FILE_NAME } from "../../src/index.js";

// Runs the real `turnpike start` (built packages: npm run build first).

/** Calls `url` until `expected` comes back, at most `attempts` times, 100 ms apart (a child process sends no events). */
async function eventually(url: string, headers: Record<string, string>, expected: number, attempts = 30): Promise<Response> {
  let last: Response | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await fetch(url, { headers });
    if (last.status === expected) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${expected}, still ${last?.status} after ${attempts} attempts`);
}

describe("a turnpike process with key-auth", () => {
  let upstream: TestUpstream;
  let gateway: GatewayProcess | undefined;
  let configFile: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    configFile = writeConfig({
      http: { port: 0, host: "127.0.0.1" },
      consumers: [
        { username: "alice", credentials: [{ type: "key-auth", keyId: "alice-key", keySecret: "${ALICE_SECRET}", scopes: ["read"] }] },
      ],
      apiEndpoints: { api: { paths: ["/api/*"], scopes: ["read"] } },
      serviceEndpoints: { backend: { url: upstream.url } },
      pipelines: { api: { apiEndpoints: ["api"], policies: [{ "key-auth": {} }, { proxy: { serviceEndpoint: "backend" } }] } },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream.close();
  });

  it("proxies an authenticated request: the upstream gets x-consumer-id, not the credential", async () => {
    gateway = await spawnGateway(configFile, { args: ["--no-watch"], env: { ALICE_SECRET: "s3cret-from-env" } });
    const res = await fetch(`${gateway.url}/api/things?apiKey=alice-key:s3cret-from-env&page=2`, {
      headers: { "x-consumer-id": "forged" },
    });
    expect(res.status).toBe(200);
    const received = upstream.requests.at(-1)!;
    expect(received.url).toBe("/api/things?page=2");
    expect(received.headers["x-consumer-id"]).toBe(declaredConsumerId("alice"));
    expect(received.headers["x-consumer-username"]).toBe("alice");
    expect(JSON.stringify(received)).not.toContain("s3cret-from-env");

    const denied = await fetch(`${gateway.url}/api/things`, { headers: { authorization: "apiKey alice-key:wrong" } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBe('apiKey realm="turnpike"');
    expect(await denied.text()).not.toContain("wrong");
    expect(gateway.stderr()).not.toContain("s3cret-from-env");
  });

  it("accepts a key another process writes to its SQLite store, stops it when revoked, and keeps it across a restart", async () => {
    const store = createSqliteConsumerStore({ file: path.join(path.dirname(configFile), ".turnpike", SQLITE_FILE_NAME) });
    try {
      await store.createScopes(["read"]);
      await store.createUser({ username: "bob" });
      const key = await store.createCredential("bob", "key-auth", { scopes: ["read"] });
      const headers = { authorization: `apiKey ${key.keyId}:${key.keySecret}` };
      const ok = await eventually(`${gateway!.url}/api/x`, headers, 200);
      expect(ok.status).toBe(200);
      expect(upstream.requests.at(-1)!.headers["x-consumer-username"]).toBe("bob");

      await store.setCredentialStatus("key-auth", key.id, false);
      await eventually(`${gateway!.url}/api/x`, headers, 401);
      await store.setCredentialStatus("key-auth", key.id, true);
      await eventually(`${gateway!.url}/api/x`, headers, 200);

      expect(await gateway!.stop()).toBe(0);
      gateway = await spawnGateway(configFile, { args: ["--no-watch"], env: { ALICE_SECRET: "s3cret-from-env" } });
      expect((await fetch(`${gateway.url}/api/x`, { headers })).status).toBe(200);
    } finally {
      await store.close();
    }
  });
});

describe("two turnpike processes sharing Redis", () => {
  let upstream: TestUpstream;
  let redisServer: TestRedis;
  let redis: Redis;
  const gateways: GatewayProcess[] = [];
  beforeAll(async () => {
    upstream = await startUpstream();
    redisServer = await startRedis();
    redis = new Redis(redisServer.url);
    const file = writeConfig({
      http: { port: 0, host: "127.0.0.1" },
      redis: { url: redisServer.url, prefix: "e2e:" },
      apiEndpoints: { api: { paths: ["/api/*"] } },
      serviceEndpoints: { backend: { url: upstream.url } },
      pipelines: { api: { apiEndpoints: ["api"], policies: [{ "key-auth": {} }, { proxy: { serviceEndpoint: "backend" } }] } },
    });
    gateways.push(await spawnGateway(file, { args: ["--no-watch"] }), await spawnGateway(file, { args: ["--no-watch"] }));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis.quit();
    await redisServer.stop();
    await upstream.close();
  });

  it("a key written to Redis works on both instances, and a revocation reaches both", async () => {
    const store = createRedisConsumerStore({ redis, prefix: "e2e:" });
    try {
      await store.createUser({ username: "rita" });
      const key = await store.createCredential("rita", "key-auth");
      const headers = { authorization: `apiKey ${key.keyId}:${key.keySecret}` };
      for (const g of gateways) await eventually(`${g.url}/api/x`, headers, 200);
      expect(upstream.requests.at(-1)!.headers["x-consumer-username"]).toBe("rita");
      await store.setCredentialStatus("key-auth", key.id, false);
      for (const g of gateways) await eventually(`${g.url}/api/x`, headers, 401);
    } finally {
      await store.close();
    }
  });
});
