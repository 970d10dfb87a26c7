import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import jsonwebtoken from "jsonwebtoken";
import { spawnGateway, startUpstream, writeConfig, type GatewayProcess, type TestUpstream } from "@turnpike/testing";

// jwks-rsa needs Node's own module loader (it require()s the ESM-only jose), so the JWKS cases run
// in a real `turnpike start` process (built packages: npm run build first).

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function rsaKey(kid: string): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
}

describe("jwt with a JWKS URL", () => {
  const published: SigningKey[] = [];
  let fetches = 0;
  let jwks: http.Server;
  let jwksUrl: string;
  let upstream: TestUpstream;
  let gateway: GatewayProcess;
  const k1 = rsaKey("k1");
  const k2 = rsaKey("k2");
  const sign = (key: SigningKey, claims: Record<string, unknown> = { sub: "svc" }): string =>
    jsonwebtoken.sign(claims, key.privateKey, { algorithm: "RS256", keyid: key.kid, issuer: "https://issuer.example", expiresIn: 300 });
  const call = (token: string): Promise<Response> => fetch(`${gateway.url}/api`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    published.push(k1);
    jwks = http.createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    upstream = await startUpstream();
    const file = writeConfig({
      http: { port: 0, host: "127.0.0.1" },
      apiEndpoints: { api: { paths: ["/api"] } },
      serviceEndpoints: { backend: { url: upstream.url } },
      pipelines: {
        api: {
          apiEndpoints: ["api"],
          policies: [
            { jwt: { jwksUri: jwksUrl, algorithms: ["RS256"], issuer: "https://issuer.example", checkCredentialExistence: false } },
            { proxy: { serviceEndpoint: "backend" } },
          ],
        },
      },
    });
    gateway = await spawnGateway(file, { args: ["--no-watch"] });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream.close();
    if (jwks.listening) await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  it("verifies tokens with the key named by kid, fetching the set once while it is cached", async () => {
    expect((await call(sign(k1))).status).toBe(200);
    expect(upstream.requests.at(-1)!.headers["x-consumer-id"]).toBe("svc");
    expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect((await call(sign(k1, { sub: "other" }))).status).toBe(200);
    expect(fetches).toBe(1);
  });

  it("fetches the set again for an unknown kid: a key published since then works, an unknown one is 401", async () => {
    expect((await call(sign(k2))).status).toBe(401);
    published.push(k2);
    expect((await call(sign(k2))).status).toBe(200);
    expect((await call(sign(rsaKey("k3")))).status).toBe(401);
    expect((await call(sign(k1))).status).toBe(200);
  });

  it("malformed tokens and disallowed algorithms are 401, never 500", async () => {
    for (const token of [
      "x",
      "a.b.c",
      jsonwebtoken.sign({ sub: "h" }, "secret", { algorithm: "HS256", keyid: "k1" }),
      `${Buffer.from('{"alg":"none","kid":"k1"}').toString("base64url")}.${Buffer.from('{"sub":"n"}').toString("base64url")}.`,
    ]) {
      expect((await call(token)).status).toBe(401);
    }
  });

  it("an unreachable key set answers 503 for a key it does not hold", async () => {
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
    jwks.closeAllConnections();
    const res = await call(sign(rsaKey("k4")));
    expect(res.status).toBe(503);
    // Cached keys keep working.
    expect((await call(sign(k1))).status).toBe(200);
  });
});
