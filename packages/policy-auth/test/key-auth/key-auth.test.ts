import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import request from "supertest";
import { consumerStore, declaredConsumerId } from "../../src/index.js";
import { ALICE, ALICE_KEY, authGateway, tempDir, twice } from "../helpers.js";

describe("key-auth", () => {
  const data = tempDir();
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(() => data.cleanup());

  const start = async (
    options: Record<string, unknown> = {},
    extra: { scopes?: string[]; consumers?: unknown[] } = {},
  ): Promise<Gateway> => {
    gw = await authGateway({
      steps: [{ "key-auth": options }],
      dataDir: data.dir,
      consumers: extra.consumers ?? [ALICE],
      ...(extra.scopes ? { scopes: extra.scopes } : {}),
    });
    return gw;
  };

  describe("schema", () => {
    it("rejects unknown options and a configuration that leaves no place for the key", async () => {
      await expect(start({ apiKeyHeaders: "x" })).rejects.toMatchObject({
        problems: expect.arrayContaining([{ path: "pipelines.test.policies[0].key-auth.apiKeyHeaders", message: "is not a known option" }]),
      });
      await expect(start({ disableHeaders: true, disableQueryParam: true })).rejects.toMatchObject({
        problems: [{ path: "pipelines.test.policies[0].key-auth", message: expect.stringContaining("no place") }],
      });
      await expect(start({ apiKeyHeader: "bad header" })).rejects.toMatchObject({
        problems: [expect.objectContaining({ path: "pipelines.test.policies[0].key-auth.apiKeyHeader" })],
      });
    });

    it("rejects invalid declared credentials with their paths", async () => {
      await expect(
        start({}, { consumers: [{ username: "x", credentials: [{ type: "key-auth", keyId: "a:b", keySecret: "s" }] }] }),
      ).rejects.toMatchObject({
        problems: [{ path: "consumers[0].credentials[0].keyId", message: expect.stringContaining("':'") }],
      });
    });
  });

  describe("the default wire format", () => {
    it("authenticates `Authorization: apiKey id:secret`, sets the consumer and req.user, and removes the header", async () => {
      await start();
      const res = await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(200);
      const id = declaredConsumerId("alice");
      expect(res.body.consumer).toEqual({
        id,
        username: "alice",
        type: "user",
        scopes: ["read"],
        credential: { type: "key-auth", id: "alice-key" },
      });
      expect(res.body.user).toMatchObject({ id, username: "alice", email: "alice@example.com" });
      expect(res.body.headers.authorization).toBeUndefined();
      // The scheme is case-insensitive, as in Express Gateway.
      await request(gw!.app).get("/x").set("Authorization", "APIKEY alice-key:alice-secret").expect(200);
    });

    it("answers 401 with a challenge for a missing, unknown or wrong key, never naming the secret", async () => {
      await start();
      const missing = await request(gw!.app).get("/x").expect(401);
      expect(missing.headers["www-authenticate"]).toBe('apiKey realm="turnpike"');
      expect(missing.body.error).toMatchObject({ status: 401, code: "UNAUTHORIZED", message: "Missing credentials" });
      const wrong = await request(gw!.app).get("/x").set("Authorization", "apiKey alice-key:not-the-secret").expect(401);
      expect(wrong.body.error.message).toBe("Invalid credentials");
      expect(JSON.stringify(wrong.body)).not.toContain("not-the-secret");
      expect(wrong.headers["www-authenticate"]).toBe('apiKey realm="turnpike"');
      await request(gw!.app).get("/x").set("Authorization", "apiKey nobody:alice-secret").expect(401);
      await request(gw!.app).get("/x").set("Authorization", "apiKey alice-key").expect(401);
      await request(gw!.app).get("/x").set("Authorization", "apiKey alice-key:").expect(401);
      // A header for another scheme is not a key.
      expect((await request(gw!.app).get("/x").set("Authorization", "Bearer abc").expect(401)).body.error.message).toBe(
        "Missing credentials",
      );
    });

    it("reads ?apiKey= and removes only that parameter, keeping the others in order", async () => {
      await start();
      const res = await request(gw!.app).get("/x?b=2&apiKey=alice-key%3Aalice-secret&a=1&b=3").expect(200);
      expect(res.body.url).toBe("/x?b=2&a=1&b=3");
      const only = await request(gw!.app).get("/x?apiKey=alice-key:alice-secret").expect(200);
      expect(only.body.url).toBe("/x");
    });

    it("refuses duplicate or conflicting keys", async () => {
      await start();
      const twoHeaders = await request(gw!.app).get("/x").set("Authorization", twice(ALICE_KEY, ALICE_KEY)).expect(401);
      expect(twoHeaders.body.error.message).toBe("More than one credential was sent");
      await request(gw!.app).get("/x?apiKey=alice-key:alice-secret").set("Authorization", ALICE_KEY).expect(401);
      await request(gw!.app).get("/x?apiKey=alice-key:alice-secret&apiKey=alice-key:alice-secret").expect(401);
    });
  });

  describe("options", () => {
    it("plain header mode: `x-api-key: id:secret` with disableHeadersScheme", async () => {
      await start({ apiKeyHeader: "x-api-key", disableHeadersScheme: true, disableQueryParam: true });
      const res = await request(gw!.app).get("/x").set("x-api-key", "alice-key:alice-secret").expect(200);
      expect(res.body.consumer.username).toBe("alice");
      expect(res.body.headers["x-api-key"]).toBeUndefined();
      await request(gw!.app).get("/x?apiKey=alice-key:alice-secret").expect(401);
      await request(gw!.app).get("/x").set("x-api-key", twice("alice-key:alice-secret", "other:key")).expect(401);
    });

    it("a custom field and scheme", async () => {
      await start({ apiKeyField: "key", apiKeyHeaderScheme: "Token" });
      await request(gw!.app).get("/x").set("Authorization", "Token alice-key:alice-secret").expect(200);
      await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(401);
      expect((await request(gw!.app).get("/x?key=alice-key:alice-secret&apiKey=1").expect(200)).body.url).toBe("/x?apiKey=1");
    });

    it("passCredentials keeps the credential for the upstream", async () => {
      await start({ passCredentials: true });
      expect((await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(200)).body.headers.authorization).toBe(ALICE_KEY);
      expect((await request(gw!.app).get("/x?apiKey=alice-key:alice-secret").expect(200)).body.url).toBe(
        "/x?apiKey=alice-key:alice-secret",
      );
    });

    it("passThrough lets unauthenticated requests continue as anonymous", async () => {
      await start({ passThrough: true });
      expect((await request(gw!.app).get("/x").expect(200)).body.consumer).toBeNull();
      const wrong = await request(gw!.app).get("/x").set("Authorization", "apiKey alice-key:wrong").expect(200);
      expect(wrong.body.consumer).toBeNull();
      expect((await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(200)).body.consumer.username).toBe("alice");
    });
  });

  describe("scopes", () => {
    it("403 INSUFFICIENT_SCOPE when the credential lacks one of the endpoint's scopes", async () => {
      await start({}, { scopes: ["read", "write"] });
      const res = await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(403);
      expect(res.body.error.code).toBe("INSUFFICIENT_SCOPE");
    });

    it("200 when it holds all of them", async () => {
      await start({}, { scopes: ["read"] });
      await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(200);
    });
  });

  it("a reload replaces the declared consumers", async () => {
    await start();
    const store = consumerStore(gw!.stores, gw!.config);
    const config = (consumers: unknown[]): Record<string, unknown> => ({
      admin: { port: 0, dataDir: data.dir },
      consumers,
      apiEndpoints: { all: { paths: ["/*"] } },
      pipelines: { test: { apiEndpoints: ["all"], policies: [{ "key-auth": {} }, { "test-echo": {} }] } },
    });
    await gw!.reload(config([{ username: "zed", credentials: [{ type: "key-auth", keyId: "zed-key", keySecret: "zed-secret" }] }]));
    await request(gw!.app).get("/x").set("Authorization", ALICE_KEY).expect(401);
    await request(gw!.app).get("/x").set("Authorization", "apiKey zed-key:zed-secret").expect(200);
    // The admin API's view follows the configuration it is given.
    expect(await consumerStore(gw!.stores, gw!.config).getUser("zed")).toMatchObject({ declared: true });
    expect(await store.getUser("alice")).toBeUndefined();
  });

  describe("stored credentials", () => {
    it("a key issued through the store works at once, and stops at once when revoked", async () => {
      await start();
      const store = consumerStore(gw!.stores, gw!.config);
      const user = await store.createUser({ username: "bob" });
      const key = await store.createCredential("bob", "key-auth");
      const header = `apiKey ${key.keyId}:${key.keySecret}`;
      // Looked up (and cached as unknown) before it exists: creation must still take effect.
      await request(gw!.app).get("/x").set("Authorization", "apiKey later:secret").expect(401);
      const ok = await request(gw!.app).get("/x").set("Authorization", header).expect(200);
      expect(ok.body.consumer).toMatchObject({ id: user.id, username: "bob", type: "user" });
      await request(gw!.app).get("/x").set("Authorization", header).expect(200);

      await store.setCredentialStatus("key-auth", key.id, false);
      await request(gw!.app).get("/x").set("Authorization", header).expect(401);
      await store.setCredentialStatus("key-auth", key.id, true);
      await request(gw!.app).get("/x").set("Authorization", header).expect(200);
      await store.setUserStatus("bob", false);
      await request(gw!.app).get("/x").set("Authorization", header).expect(401);

      const later = await store.createCredential((await store.createUser({ username: "carl" })).id, "key-auth", {
        keyId: "later",
        keySecret: "se:cret",
      });
      expect(later.keySecret).toBe("se:cret");
      await request(gw!.app).get("/x").set("Authorization", "apiKey later:se:cret").expect(200);
      await request(gw!.app).get("/x").set("Authorization", "apiKey later:secret").expect(401);
      await request(gw!.app).get("/x").set("Authorization", "apiKey later:se:cret").expect(200);
    });

    it("touches no file while every key is declared; an unusable store answers 503 only for other keys", async () => {
      const blocked = path.join(data.dir, "not-a-directory");
      writeFileSync(blocked, "a file where the data directory should be");
      gw = await authGateway({ steps: [{ "key-auth": {} }], dataDir: path.join(blocked, "data"), consumers: [ALICE] });
      await request(gw.app).get("/x").set("Authorization", ALICE_KEY).expect(200);
      const res = await request(gw.app).get("/x").set("Authorization", "apiKey stored-key:secret").expect(503);
      expect(res.body.error.code).toBe("STORE_UNAVAILABLE");
      await gw.close();

      const fresh = path.join(data.dir, "fresh");
      gw = await authGateway({ steps: [{ "key-auth": {} }], dataDir: fresh, consumers: [ALICE] });
      await request(gw.app).get("/x").set("Authorization", ALICE_KEY).expect(200);
      expect(existsSync(fresh)).toBe(false);
    });

    it("an app's key authenticates the app", async () => {
      await start();
      const store = consumerStore(gw!.stores, gw!.config);
      await store.createUser({ username: "dora" });
      const app = await store.createApp("dora", { name: "dora-app" });
      const key = await store.createCredential("dora-app", "key-auth");
      const res = await request(gw!.app).get("/x").set("Authorization", `apiKey ${key.keyId}:${key.keySecret}`).expect(200);
      expect(res.body.consumer).toMatchObject({ id: app.id, username: "dora-app", type: "app" });
    });
  });

  describe("through the proxy", () => {
    let upstream: TestUpstream;
    beforeAll(async () => {
      upstream = await startUpstream();
    });
    afterAll(() => upstream.close());

    it("the upstream gets x-consumer-id and x-consumer-username, never the key or forged identity headers", async () => {
      gw = await authGateway({ steps: [{ "key-auth": {} }], dataDir: data.dir, consumers: [ALICE], upstream: upstream.url });
      await request(gw.app).get("/x?apiKey=alice-key:alice-secret&q=1").set("x-consumer-id", "forged").expect(200);
      const received = upstream.requests.at(-1)!;
      expect(received.url).toBe("/x?q=1");
      expect(received.headers["x-consumer-id"]).toBe(declaredConsumerId("alice"));
      expect(received.headers["x-consumer-username"]).toBe("alice");
      expect(JSON.stringify(received)).not.toContain("alice-secret");
      await request(gw.app).get("/y").set("Authorization", ALICE_KEY).expect(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
    });
  });
});
