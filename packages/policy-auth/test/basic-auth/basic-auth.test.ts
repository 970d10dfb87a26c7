import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import type { Gateway } from "@turnpike/core";
import request from "supertest";
import { consumerStore, declaredConsumerId } from "../../src/index.js";
import { authGateway, tempDir, twice } from "../helpers.js";

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const CAROL = { username: "carol", credentials: [{ type: "basic-auth", password: "pa:ss:word", scopes: ["read"] }] };

describe("basic-auth", () => {
  const data = tempDir();
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(() => data.cleanup());

  const start = async (options: Record<string, unknown> = {}, extra: { scopes?: string[] } = {}): Promise<Gateway> => {
    gw = await authGateway({ steps: [{ "basic-auth": options }], dataDir: data.dir, consumers: [CAROL], ...extra });
    return gw;
  };

  it("schema: rejects unknown options and takes Express Gateway's passThrough", async () => {
    await expect(start({ password: "x" })).rejects.toMatchObject({
      problems: [{ path: "pipelines.test.policies[0].basic-auth.password", message: "is not a known option" }],
    });
    await start({ passThrough: true, realm: "api" });
  });

  it("authenticates a password containing ':', sets the consumer and removes the header", async () => {
    await start();
    const res = await request(gw!.app).get("/x").set("Authorization", basic("carol", "pa:ss:word")).expect(200);
    expect(res.body.consumer).toMatchObject({ id: declaredConsumerId("carol"), username: "carol", scopes: ["read"] });
    expect(res.body.user).toMatchObject({ id: declaredConsumerId("carol"), username: "carol" });
    expect(res.body.headers.authorization).toBeUndefined();
    await request(gw!.app).get("/x").set("Authorization", basic("carol", "pa:ss")).expect(401);
  });

  it("answers 401 with `WWW-Authenticate: Basic realm=...` for missing, malformed or wrong credentials", async () => {
    await start({ realm: "my api" });
    for (const header of [
      undefined,
      "Basic",
      "Basic !!!",
      `Basic ${Buffer.from("nocolon").toString("base64")}`,
      basic("carol", "wrong"),
      basic("nobody", "pa:ss:word"),
      "Bearer x",
    ]) {
      const req = request(gw!.app).get("/x");
      const res = await (header === undefined ? req : req.set("Authorization", header)).expect(401);
      expect(res.headers["www-authenticate"]).toBe('Basic realm="my api", charset="UTF-8"');
      expect(res.body.error.code).toBe("UNAUTHORIZED");
    }
    await request(gw!.app)
      .get("/x")
      .set("Authorization", twice(basic("carol", "pa:ss:word"), basic("carol", "pa:ss:word")))
      .expect(401);
  });

  it("checks the endpoint's scopes and honours passCredentials", async () => {
    await start({ passCredentials: true }, { scopes: ["read"] });
    const res = await request(gw!.app).get("/x").set("Authorization", basic("carol", "pa:ss:word")).expect(200);
    expect(res.body.headers.authorization).toBe(basic("carol", "pa:ss:word"));
    await gw!.close();
    await start({}, { scopes: ["admin"] });
    expect((await request(gw!.app).get("/x").set("Authorization", basic("carol", "pa:ss:word")).expect(403)).body.error.code).toBe(
      "INSUFFICIENT_SCOPE",
    );
  });

  it("a stored password (scrypt at rest) works, is checked again after a change, and stops when revoked", async () => {
    await start();
    const store = consumerStore(gw!.stores, gw!.config);
    const user = await store.createUser({ username: "dan" });
    await store.createCredential("dan", "basic-auth", { password: "s3cret:x" });
    const res = await request(gw!.app).get("/x").set("Authorization", basic("dan", "s3cret:x")).expect(200);
    expect(res.body.consumer).toMatchObject({ id: user.id, username: "dan" });
    // Express Gateway also accepted the consumer id as the login.
    await request(gw!.app).get("/x").set("Authorization", basic(user.id, "s3cret:x")).expect(200);
    await request(gw!.app).get("/x").set("Authorization", basic("dan", "s3cret")).expect(401);

    await store.setCredentialStatus("basic-auth", user.id, false);
    await request(gw!.app).get("/x").set("Authorization", basic("dan", "s3cret:x")).expect(401);
    const replaced = await store.createCredential("dan", "basic-auth");
    await request(gw!.app).get("/x").set("Authorization", basic("dan", "s3cret:x")).expect(401);
    await request(gw!.app).get("/x").set("Authorization", basic("dan", replaced.password!)).expect(200);
  });

  it("chains with key-auth through passThrough", async () => {
    gw = await authGateway({
      steps: [{ "key-auth": { passThrough: true } }, { "basic-auth": { passThrough: true } }],
      dataDir: data.dir,
      consumers: [CAROL, { username: "kim", credentials: [{ type: "key-auth", keyId: "kim-key", keySecret: "kim-secret" }] }],
    });
    expect((await request(gw.app).get("/x").set("Authorization", "apiKey kim-key:kim-secret").expect(200)).body.consumer.username).toBe(
      "kim",
    );
    expect((await request(gw.app).get("/x").set("Authorization", basic("carol", "pa:ss:word")).expect(200)).body.consumer.username).toBe(
      "carol",
    );
    expect((await request(gw.app).get("/x").expect(200)).body.consumer).toBeNull();
  });
});
