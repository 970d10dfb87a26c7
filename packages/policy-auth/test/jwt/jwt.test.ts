import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Gateway } from "@turnpike/core";
import jsonwebtoken from "jsonwebtoken";
import request from "supertest";
import { consumerStore, declaredConsumerId } from "../../src/index.js";
import { authGateway, tempDir, twice } from "../helpers.js";

const SECRET = "a-secret-of-at-least-thirty-two-bytes!";
const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("jwt", () => {
  const data = tempDir();
  let gw: Gateway | undefined;
  let rsa: { publicKey: KeyObject; privateKey: KeyObject };
  let rsaPem: string;
  beforeAll(() => {
    rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    rsaPem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(() => data.cleanup());

  const start = async (options: Record<string, unknown>, extra: { scopes?: string[]; consumers?: unknown[] } = {}): Promise<Gateway> => {
    gw = await authGateway({ steps: [{ jwt: options }], dataDir: data.dir, ...extra });
    return gw;
  };
  const hs = (claims: Record<string, unknown>, options: jsonwebtoken.SignOptions = {}): string =>
    jsonwebtoken.sign(claims, SECRET, { algorithm: "HS256", ...options });
  const problemsOf = async (options: Record<string, unknown>): Promise<unknown> => {
    try {
      await start(options);
    } catch (err) {
      return (err as { problems?: unknown }).problems;
    }
    throw new Error("the configuration was accepted");
  };

  describe("configuration", () => {
    it("needs exactly one key source, and pins algorithms to the key", async () => {
      const at = "pipelines.test.policies[0].jwt";
      expect(await problemsOf({})).toEqual([{ path: at, message: expect.stringContaining("needs one of") }]);
      expect(await problemsOf({ secretOrPublicKey: SECRET, jwksUri: "http://127.0.0.1:1/jwks" })).toEqual([
        { path: at, message: expect.stringContaining("only one") },
      ]);
      expect(await problemsOf({ secretOrPublicKey: SECRET, algorithms: ["RS256"] })).toEqual([
        { path: `${at}.algorithms`, message: expect.stringContaining("need a public key") },
      ]);
      expect(await problemsOf({ secretOrPublicKey: rsaPem })).toEqual([
        {
          path: `${at}.algorithms`,
          message: expect.stringMatching(
            /^is required with a public key: .*this rsa key can verify RS256, RS384, RS512, PS256, PS384, PS512\), e\.g\. algorithms: \[RS256\]$/,
          ),
        },
      ]);
      expect(await problemsOf({ secretOrPublicKey: rsaPem, algorithms: ["RS256", "HS256"] })).toEqual([
        { path: `${at}.algorithms`, message: expect.stringContaining("HMAC") },
      ]);
      expect(await problemsOf({ secretOrPublicKey: rsaPem, algorithms: ["ES256"] })).toEqual([
        { path: `${at}.algorithms`, message: expect.stringContaining("ES256") },
      ]);
      const privatePem = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      expect(await problemsOf({ secretOrPublicKey: privatePem, algorithms: ["RS256"] })).toEqual([
        { path: `${at}.secretOrPublicKey`, message: expect.stringContaining("private key") },
      ]);
      expect(await problemsOf({ jwksUri: "http://127.0.0.1:1/jwks" })).toEqual([
        { path: `${at}.algorithms`, message: expect.stringContaining("required") },
      ]);
      expect(await problemsOf({ secretOrPublicKey: SECRET, algorithms: ["none"] })).toEqual([
        expect.objectContaining({ path: `${at}.algorithms[0]` }),
      ]);
      expect(await problemsOf({ secretOrPublicKey: SECRET, jwtExtractor: "header" })).toEqual([
        { path: `${at}.jwtExtractorField`, message: expect.stringContaining("required") },
      ]);
      expect(await problemsOf({ secretOrPublicKeyFile: "missing.pem" })).toEqual([
        { path: `${at}.secretOrPublicKeyFile`, message: expect.stringContaining("cannot read") },
      ]);
    });

    it("warns about a short HMAC secret", async () => {
      await start({ secretOrPublicKey: "short", checkCredentialExistence: false });
      expect(gw!.snapshot.warnings).toEqual([expect.stringContaining("shorter than 32 bytes")]);
    });
  });

  describe("HS256 without credential check", () => {
    const options = { secretOrPublicKey: SECRET, checkCredentialExistence: false, issuer: "https://issuer.example", audience: "api" };
    const good = { sub: "user-1", preferred_username: "one", scope: "read write", iss: "https://issuer.example", aud: "api" };

    it("accepts a valid token: the consumer comes from its claims, and the header is removed", async () => {
      await start(options, { scopes: ["read"] });
      const res = await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs(good)}`)
        .expect(200);
      expect(res.body.consumer).toMatchObject({
        id: "user-1",
        username: "one",
        type: "user",
        scopes: ["read", "write"],
        claims: expect.objectContaining({ sub: "user-1" }),
      });
      expect(res.body.user).toMatchObject({ id: "user-1", username: "one", sub: "user-1" });
      expect(res.body.headers.authorization).toBeUndefined();
    });

    it("401 for expired, not-yet-valid, wrong issuer, wrong audience and missing sub; 403 for a missing scope", async () => {
      await start(options, { scopes: ["read"] });
      const expired = await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ ...good, exp: now() - 60 })}`)
        .expect(401);
      expect(expired.body.error.message).toBe("The token has expired");
      expect(expired.headers["www-authenticate"]).toBe('Bearer realm="turnpike", error="invalid_token"');
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ ...good, nbf: now() + 60 })}`)
        .expect(401);
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ ...good, iss: "https://evil.example" })}`)
        .expect(401);
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ ...good, aud: "other" })}`)
        .expect(401);
      const { sub: _sub, ...noSub } = good;
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs(noSub)}`)
        .expect(401);
      expect(
        (
          await request(gw!.app)
            .get("/x")
            .set("Authorization", `Bearer ${hs({ ...good, scope: "write" })}`)
            .expect(403)
        ).body.error.code,
      ).toBe("INSUFFICIENT_SCOPE");
      const missing = await request(gw!.app).get("/x").expect(401);
      expect(missing.headers["www-authenticate"]).toBe('Bearer realm="turnpike"');
    });

    it("clockTolerance accepts a token expired by less than the tolerance", async () => {
      await start({ ...options, clockTolerance: 120 });
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ ...good, exp: now() - 60 })}`)
        .expect(200);
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ ...good, exp: now() - 600 })}`)
        .expect(401);
    });

    it("rejects alg none, a token signed with another secret, and malformed tokens with 401, never 500", async () => {
      await start(options);
      const none = `${b64({ alg: "none", typ: "JWT" })}.${b64(good)}.`;
      const otherSecret = jsonwebtoken.sign(good, "another-secret-of-thirty-two-bytes!!", { algorithm: "HS256" });
      const malformed = [
        "abc",
        "a.b.c",
        "..",
        `${b64({ alg: "HS256" })}.not-json.sig`,
        `${b64("x")}.${b64(good)}.x`,
        "\u00e9t\u00e9",
        "x".repeat(4000),
        none,
        `${none}sig`,
        otherSecret,
      ];
      for (const token of malformed) {
        const res = await request(gw!.app).get("/x").set("Authorization", `Bearer ${token}`);
        expect([token.slice(0, 20), res.status]).toEqual([token.slice(0, 20), 401]);
        expect(res.body.error.code).toBe("UNAUTHORIZED");
      }
      await request(gw!.app)
        .get("/x")
        .set("Authorization", twice(`Bearer ${hs(good)}`, `Bearer ${hs(good)}`))
        .expect(401);
    });
  });

  describe("asymmetric keys", () => {
    it("RS256 with a public key file; an HS256 token signed with the public key is rejected", async () => {
      const file = path.join(data.dir, "rsa.pem");
      writeFileSync(file, rsaPem);
      await start({ secretOrPublicKeyFile: file, algorithms: ["RS256"], checkCredentialExistence: false });
      const token = jsonwebtoken.sign({ sub: "rs" }, rsa.privateKey, { algorithm: "RS256" });
      expect((await request(gw!.app).get("/x").set("Authorization", `Bearer ${token}`).expect(200)).body.consumer.id).toBe("rs");

      const header = b64({ alg: "HS256", typ: "JWT" });
      const payload = b64({ sub: "attacker" });
      const forged = `${header}.${payload}.${createHmac("sha256", rsaPem).update(`${header}.${payload}`).digest("base64url")}`;
      await request(gw!.app).get("/x").set("Authorization", `Bearer ${forged}`).expect(401);
    });

    it("ES256 and PS256", async () => {
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
      await start({
        secretOrPublicKey: ec.publicKey.export({ type: "spki", format: "pem" }).toString(),
        algorithms: ["ES256"],
        checkCredentialExistence: false,
      });
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${jsonwebtoken.sign({ sub: "es" }, ec.privateKey, { algorithm: "ES256" })}`)
        .expect(200);
      await gw!.close();
      await start({ secretOrPublicKey: rsaPem, algorithms: ["PS256"], checkCredentialExistence: false });
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${jsonwebtoken.sign({ sub: "ps" }, rsa.privateKey, { algorithm: "PS256" })}`)
        .expect(200);
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${jsonwebtoken.sign({ sub: "rs" }, rsa.privateKey, { algorithm: "RS256" })}`)
        .expect(401);
    });
  });

  describe("checkCredentialExistence (the default)", () => {
    const consumers = [{ username: "jane", credentials: [{ type: "jwt", keyId: "jane-jwt", scopes: ["read"] }] }];

    it("maps sub to a jwt credential's consumer; unknown or revoked credentials are 401", async () => {
      await start({ secretOrPublicKey: SECRET }, { consumers, scopes: ["read"] });
      const res = await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ sub: "jane-jwt", role: "x" })}`)
        .expect(200);
      expect(res.body.consumer).toMatchObject({
        id: declaredConsumerId("jane"),
        username: "jane",
        scopes: ["read"],
        credential: { type: "jwt", id: "jane-jwt" },
        claims: { sub: "jane-jwt", role: "x" },
      });
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ sub: "nobody" })}`)
        .expect(401);

      const store = consumerStore(gw!.stores, gw!.config);
      await store.createUser({ username: "ken" });
      const cred = await store.createCredential("ken", "jwt", { keyId: "ken-jwt", scopes: ["read"] });
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ sub: "ken-jwt" })}`)
        .expect(200);
      await store.setCredentialStatus("jwt", cred.id, false);
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ sub: "ken-jwt" })}`)
        .expect(401);
    });
  });

  describe("extractors", () => {
    const base = { secretOrPublicKey: SECRET, checkCredentialExistence: false };

    it("query: reads and removes the parameter, keeping the others", async () => {
      await start({ ...base, jwtExtractor: "query", jwtExtractorField: "token" });
      const res = await request(gw!.app)
        .get(`/x?a=1&token=${hs({ sub: "q" })}&b=2`)
        .expect(200);
      expect(res.body.url).toBe("/x?a=1&b=2");
      await request(gw!.app)
        .get("/x")
        .set("Authorization", `Bearer ${hs({ sub: "q" })}`)
        .expect(401);
    });

    it("header and authScheme", async () => {
      await start({ ...base, jwtExtractor: "header", jwtExtractorField: "X-Token" });
      const res = await request(gw!.app)
        .get("/x")
        .set("x-token", hs({ sub: "h" }))
        .expect(200);
      expect(res.body.headers["x-token"]).toBeUndefined();
      await gw!.close();
      await start({ ...base, jwtExtractor: "authScheme", jwtExtractorField: "JWT", passCredentials: true });
      const kept = await request(gw!.app)
        .get("/x")
        .set("Authorization", `jwt ${hs({ sub: "s" })}`)
        .expect(200);
      expect(kept.body.headers.authorization).toMatch(/^jwt /);
      expect((await request(gw!.app).get("/x").expect(401)).headers["www-authenticate"]).toBe('JWT realm="turnpike"');
    });

    it("passThrough continues without a consumer", async () => {
      await start({ ...base, passThrough: true });
      expect((await request(gw!.app).get("/x").set("Authorization", "Bearer junk").expect(200)).body.consumer).toBeNull();
    });
  });
});
