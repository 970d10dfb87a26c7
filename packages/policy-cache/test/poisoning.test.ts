/**
 * Cache poisoning and identity: what one client sends must never change what another client gets,
 * and one consumer (or credential holder) never gets another's private response.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { PolicyMiddleware } from "@turnpike/core";
import { send, startCacheGateway, type Harness } from "./support/harness.js";

const enc = encodeURIComponent;

/** Stands in for an auth policy: the consumer named by x-test-consumer (tests only). */
const fakeAuth: PolicyMiddleware = (req, res, next) => {
  const name = req.headers["x-test-consumer"];
  if (typeof name === "string") res.locals.turnpike.consumer = { id: `id-${name}`, username: name, type: "user", scopes: [] };
  delete req.headers["x-test-consumer"];
  next();
};

describe("unkeyed request headers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 60 } });
  });
  afterAll(async () => h.close());

  it("ignores X-Forwarded-Host from an untrusted client: it never reaches the upstream, so it cannot poison", async () => {
    const attack = await send(h.url, "/xfh", { headers: { host: "api.example.com", "x-forwarded-host": "evil.example" } });
    expect(attack.json!.forwardedHost).toBe("api.example.com");
    const victim = await send(h.url, "/xfh", { headers: { host: "api.example.com" } });
    expect(victim.headers["x-cache"]).toBe("HIT");
    expect(victim.text).not.toContain("evil");
  });

  it("keys on the Host header with its port, which the upstream sees as X-Forwarded-Host", async () => {
    const attack = await send(h.url, "/host-port", { headers: { host: "api.example.com:1337" } });
    expect(attack.json!.forwardedHost).toBe("api.example.com:1337");
    const victim = await send(h.url, "/host-port", { headers: { host: "api.example.com" } });
    expect(victim.headers["x-cache"]).toBe("MISS");
    expect(victim.json!.forwardedHost).toBe("api.example.com");
    const otherHost = await send(h.url, "/host-port", { headers: { host: "other.example.com" } });
    expect(otherHost.headers["x-cache"]).toBe("MISS");
  });

  it("bypasses requests carrying method or URL override headers", async () => {
    for (const header of ["x-http-method-override", "x-original-url", "x-rewrite-url"]) {
      const res = await send(h.url, "/override", { headers: { [header]: header === "x-http-method-override" ? "DELETE" : "/admin" } });
      expect(res.headers["x-cache"]).toBe("BYPASS");
    }
    expect((await send(h.url, "/override")).headers["x-cache"]).toBe("MISS");
  });

  it("keys Vary: X-Forwarded-For on the client address the gateway decided, not on what the client sent", async () => {
    const path = "/vary-xff?vary=X-Forwarded-For";
    await send(h.url, path, { headers: { "x-forwarded-for": "1.2.3.4" } });
    const other = await send(h.url, path, { headers: { "x-forwarded-for": "5.6.7.8" } });
    expect(other.headers["x-cache"]).toBe("HIT");
  });
});

describe("trusted proxies", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 60 }, config: { trustProxy: ["loopback"] } });
  });
  afterAll(async () => h.close());

  it("keys on X-Forwarded-Host when a trusted peer sends it, since it then reaches the upstream", async () => {
    const viaProxy = await send(h.url, "/trusted-xfh", { headers: { host: "internal", "x-forwarded-host": "evil.example" } });
    expect(viaProxy.json!.forwardedHost).toBe("evil.example");
    const direct = await send(h.url, "/trusted-xfh", { headers: { host: "internal" } });
    expect(direct.headers["x-cache"]).toBe("MISS");
    expect(direct.text).not.toContain("evil");
  });
});

describe("consumers authenticated by the gateway", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 60 }, before: [fakeAuth] });
  });
  afterAll(async () => h.close());

  it("keeps each consumer's responses to that consumer", async () => {
    const alice = await send(h.url, "/me", { headers: { "x-test-consumer": "alice" } });
    expect(alice.json!.consumer).toBe("id-alice");
    const bob = await send(h.url, "/me", { headers: { "x-test-consumer": "bob" } });
    expect(bob.headers["x-cache"]).toBe("MISS");
    expect(bob.json!.consumer).toBe("id-bob");
    const anonymous = await send(h.url, "/me");
    expect(anonymous.headers["x-cache"]).toBe("MISS");
    expect(anonymous.json!.consumer).toBeNull();
    const aliceAgain = await send(h.url, "/me", { headers: { "x-test-consumer": "alice" } });
    expect(aliceAgain.headers["x-cache"]).toBe("HIT");
    expect(aliceAgain.json!.consumer).toBe("id-alice");
    // An anonymous entry is not served to a consumer either.
    const carol = await send(h.url, "/me", { headers: { "x-test-consumer": "carol" } });
    expect(carol.json!.consumer).toBe("id-carol");
  });

  it("shares a response between consumers only when it is explicitly public", async () => {
    const path = `/catalog?cc=${enc("public, max-age=60")}`;
    await send(h.url, path, { headers: { "x-test-consumer": "alice" } });
    const bob = await send(h.url, path, { headers: { "x-test-consumer": "bob" } });
    expect(bob.headers["x-cache"]).toBe("HIT");
    expect(h.received("/catalog")).toHaveLength(1);

    const notPublic = `/listing?cc=${enc("max-age=60")}`;
    await send(h.url, notPublic, { headers: { "x-test-consumer": "alice" } });
    expect((await send(h.url, notPublic, { headers: { "x-test-consumer": "bob" } })).headers["x-cache"]).toBe("MISS");
  });

  it("keys Vary: X-Consumer-Id on the authenticated consumer, never on a client-sent header", async () => {
    const path = `/by-consumer?cc=${enc("public, max-age=60")}&vary=X-Consumer-Id`;
    await send(h.url, path, { headers: { "x-test-consumer": "alice" } });
    const forged = await send(h.url, path, { headers: { "x-test-consumer": "bob", "x-consumer-id": "id-alice" } });
    expect(forged.headers["x-cache"]).toBe("MISS");
    expect(forged.json!.consumer).toBe("id-bob");
  });
});

describe("credentials the gateway did not verify", () => {
  let h: Harness;
  let strict: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 60 } });
    strict = await startCacheGateway({ cache: { ttl: 60, credentialedRequests: "shared-only" }, clock: h.clock });
  });
  afterAll(async () => {
    await h.close();
    await strict.close();
  });

  it("answers a request with Authorization only from entries stored for the same Authorization", async () => {
    await send(h.url, "/private-data", { headers: { authorization: "Bearer token-a" } });
    const sameToken = await send(h.url, "/private-data", { headers: { authorization: "Bearer token-a" } });
    expect(sameToken.headers["x-cache"]).toBe("HIT");
    const otherToken = await send(h.url, "/private-data", { headers: { authorization: "Bearer token-b" } });
    expect(otherToken.headers["x-cache"]).toBe("MISS");
    expect(otherToken.json!.authorization).toBe("Bearer token-b");
    const anonymous = await send(h.url, "/private-data");
    expect(anonymous.headers["x-cache"]).toBe("MISS");
    expect(anonymous.json!.authorization).toBeNull();
    const tokenAfterAnonymous = await send(h.url, "/private-data", { headers: { authorization: "Bearer token-c" } });
    expect(tokenAfterAnonymous.json!.authorization).toBe("Bearer token-c");
  });

  it("treats Cookie as a credential", async () => {
    await send(h.url, "/session", { headers: { cookie: "sid=alice" } });
    const other = await send(h.url, "/session", { headers: { cookie: "sid=bob" } });
    expect(other.headers["x-cache"]).toBe("MISS");
  });

  it("shares a response to an authorized request when it says public, s-maxage or must-revalidate (RFC 9111 §3.5)", async () => {
    for (const cc of ["public", "s-maxage=60", "max-age=60, must-revalidate"]) {
      const path = `/shareable-${enc(cc)}?cc=${enc(cc)}`;
      await send(h.url, path, { headers: { authorization: "Bearer token-a" } });
      const other = await send(h.url, path, { headers: { authorization: "Bearer token-b" } });
      expect(other.headers["x-cache"]).toBe("HIT");
      const anonymous = await send(h.url, path);
      expect(anonymous.headers["x-cache"]).toBe("HIT");
    }
  });

  it("with credentialedRequests: shared-only, stores only shareable responses to authorized requests", async () => {
    await send(strict.url, "/strict", { headers: { authorization: "Bearer token-a" } });
    expect((await send(strict.url, "/strict", { headers: { authorization: "Bearer token-a" } })).headers["x-cache"]).toBe("MISS");
    const path = `/strict-public?cc=${enc("public, max-age=60")}`;
    await send(strict.url, path, { headers: { authorization: "Bearer token-a" } });
    expect((await send(strict.url, path, { headers: { authorization: "Bearer token-b" } })).headers["x-cache"]).toBe("HIT");
  });
});
