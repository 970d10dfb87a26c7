import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger, registerAdminRoute } from "@turnpike/core";
import request from "supertest";
import { apiKey, basic, startHarness, TOKEN, type AdminHarness } from "./admin-harness.js";

let h: AdminHarness;
let admin: ReturnType<typeof request>;
/** Every line the gateway and its admin API logged, at debug level. */
const logLines: string[] = [];
/** Secrets the tests sent or received: none may reach a log line. */
const secrets: string[] = [TOKEN, "dora-secret-123", "hunter2secret", "pw-should-not-echo", "carol-fixed-secret", "pa:ss:word"];

beforeAll(async () => {
  h = await startHarness({ logger: createLogger({ level: "debug", sink: (line) => logLines.push(line) }) });
  admin = request(h.admin.url);
  // A plugin's admin route, as the cache package registers `DELETE /cache`.
  registerAdminRoute(h.gateway.stores.shared, {
    method: "DELETE",
    path: "/test-plugin",
    handle: (_req, res) => void res.status(200).json({ purged: true }),
  });
});
afterAll(async () => h?.close(true));

function expectErrorBody(body: unknown, status: number, code: string): void {
  expect(body).toEqual({ error: { status, code, message: expect.any(String) } });
}

describe("authentication (CONTRACT §5)", () => {
  const routes: [string, string][] = [
    ["get", "/users"],
    ["post", "/users"],
    ["get", "/users/someone"],
    ["put", "/users/someone/status"],
    ["get", "/apps"],
    ["get", "/credentials"],
    ["post", "/credentials"],
    ["put", "/credentials/key-auth/k/status"],
    ["get", "/scopes"],
    ["delete", "/scopes/x"],
    ["get", "/metrics"],
    ["delete", "/test-plugin"],
    ["get", "/no-such-route"],
    ["post", "/health"],
  ];

  it("serves GET /health without a token", async () => {
    const res = await admin.get("/health").expect(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it.each(routes)("answers %s %s without a token with 401 and a Bearer challenge", async (method, path) => {
    const res = await (admin as unknown as Record<string, (p: string) => request.Test>)[method]!(path).expect(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm=/);
    expectErrorBody(res.body, 401, "UNAUTHORIZED");
  });

  it.each(routes)("answers %s %s with a wrong token with 401, never echoing the token", async (method, path) => {
    const wrong = `${TOKEN}x`;
    const res = await (admin as unknown as Record<string, (p: string) => request.Test>)[method]!(path)
      .set("authorization", `Bearer ${wrong}`)
      .expect(401);
    expectErrorBody(res.body, 401, "UNAUTHORIZED");
    expect(res.text).not.toContain(wrong);
    expect(res.text).not.toContain(TOKEN);
  });

  it("rejects other schemes and a token prefix", async () => {
    await admin
      .get("/users")
      .set("authorization", `Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}`)
      .expect(401);
    await admin
      .get("/users")
      .set("authorization", `Bearer ${TOKEN.slice(0, -1)}`)
      .expect(401);
    await admin.get("/users").set("authorization", "Bearer").expect(401);
  });

  it("accepts the token on every route, plugin routes included", async () => {
    await admin.get("/users").set(h.auth).expect(200);
    const res = await admin.delete("/test-plugin").set(h.auth).expect(200);
    expect(res.body).toEqual({ purged: true });
  });
});

describe("request handling", () => {
  it("answers 404 for unknown routes and 405 with Allow for unsupported methods", async () => {
    expectErrorBody((await admin.get("/nope").set(h.auth).expect(404)).body, 404, "RESOURCE_NOT_FOUND");
    const users = await admin.patch("/users").set(h.auth).expect(405);
    expect(users.headers.allow).toBe("GET, POST, HEAD");
    expectErrorBody(users.body, 405, "METHOD_NOT_ALLOWED");
    expect((await admin.post("/users/x/status").set(h.auth).expect(405)).headers.allow).toBe("PUT");
    expect((await admin.get("/test-plugin").set(h.auth).expect(405)).headers.allow).toBe("DELETE");
    expect((await admin.delete("/health").set(h.auth).expect(405)).headers.allow).toBe("GET, HEAD");
  });

  it("answers 415 for bodies that are not JSON", async () => {
    const res = await admin.post("/users").set(h.auth).set("content-type", "text/plain").send("username=x").expect(415);
    expectErrorBody(res.body, 415, "UNSUPPORTED_MEDIA_TYPE");
    await admin.post("/users").set(h.auth).set("content-type", "application/x-www-form-urlencoded").send("username=x").expect(415);
  });

  it("answers 400 for malformed JSON without quoting it", async () => {
    const res = await admin
      .post("/users")
      .set(h.auth)
      .set("content-type", "application/json")
      .send('{"username": "x", "password": "hunter2secret"')
      .expect(400);
    expectErrorBody(res.body, 400, "BAD_REQUEST");
    expect(res.text).not.toContain("hunter2secret");
  });

  it("answers 413 for bodies over the limit", async () => {
    const res = await admin
      .post("/users")
      .set(h.auth)
      .send({ username: "big", firstname: "x".repeat(70_000) })
      .expect(413);
    expectErrorBody(res.body, 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers 400 for a JSON body that is not an object", async () => {
    expectErrorBody((await admin.post("/users").set(h.auth).send(["alice"]).expect(400)).body, 400, "VALIDATION_FAILED");
  });

  it("marks every answer uncacheable", async () => {
    expect((await admin.get("/users").set(h.auth).expect(200)).headers["cache-control"]).toBe("no-store");
  });
});

describe("/users", () => {
  it("creates a user (201, Location) and reads it by id and by username", async () => {
    const res = await admin
      .post("/users")
      .set(h.auth)
      .send({ username: "alice", firstname: "Alice", email: "alice@example.com" })
      .expect(201);
    expect(res.body).toMatchObject({
      username: "alice",
      firstname: "Alice",
      email: "alice@example.com",
      isActive: true,
      declared: false,
      id: expect.any(String),
    });
    expect(res.headers.location).toBe(`/users/${res.body.id}`);
    expect((await admin.get(`/users/${res.body.id}`).set(h.auth).expect(200)).body).toEqual(res.body);
    expect((await admin.get("/users/alice").set(h.auth).expect(200)).body.id).toBe(res.body.id);
  });

  it("answers 409 for a duplicate username, a declared one included", async () => {
    await admin.post("/users").set(h.auth).send({ username: "dup" }).expect(201);
    expectErrorBody((await admin.post("/users").set(h.auth).send({ username: "dup" }).expect(409)).body, 409, "CONFLICT");
    await admin.post("/users").set(h.auth).send({ username: "declared-dora" }).expect(409);
  });

  it("rejects unknown and server-owned fields with every path in the message", async () => {
    const res = await admin
      .post("/users")
      .set(h.auth)
      .send({ username: "x1", id: "mine", isActive: false, createdAt: "now", nickname: "xx", email: "not-an-email" })
      .expect(400);
    expectErrorBody(res.body, 400, "VALIDATION_FAILED");
    for (const path of ["id", "isActive", "createdAt", "nickname", "email"]) expect(res.body.error.message).toContain(`${path}:`);
    expect((await admin.post("/users").set(h.auth).send({}).expect(400)).body.error.message).toContain("username: is required");
    expect((await admin.post("/users").set(h.auth).send({ username: "a:b" }).expect(400)).body.error.message).toContain("username:");
    await admin.get("/users/x1").set(h.auth).expect(404);
  });

  it("updates profile fields, refuses renaming, and removes a field with null", async () => {
    await admin.post("/users").set(h.auth).send({ username: "upd", firstname: "Up", lastname: "Date" }).expect(201);
    const res = await admin.put("/users/upd").set(h.auth).send({ firstname: "Upped", lastname: null }).expect(200);
    expect(res.body).toMatchObject({ username: "upd", firstname: "Upped" });
    expect(res.body.lastname).toBeUndefined();
    await admin.put("/users/upd").set(h.auth).send({ username: "upd" }).expect(200);
    expect((await admin.put("/users/upd").set(h.auth).send({ username: "other" }).expect(400)).body.error.message).toContain("username");
    await admin.put("/users/upd").set(h.auth).send({ id: "x" }).expect(400);
    await admin.put("/users/nobody").set(h.auth).send({ firstname: "x" }).expect(404);
  });

  it("deactivates and activates a user (Express Gateway's status answers), and its keys with it", async () => {
    await admin.post("/users").set(h.auth).send({ username: "stat" }).expect(201);
    const { keyId, keySecret } = (await admin.post("/credentials").set(h.auth).send({ consumerId: "stat", type: "key-auth" }).expect(201))
      .body;
    secrets.push(keySecret);
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey(keyId, keySecret)).expect(200);
    expect((await admin.put("/users/stat/status").set(h.auth).send({ status: false }).expect(200)).body).toEqual({ status: "Deactivated" });
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey(keyId, keySecret)).expect(401);
    expect((await admin.put("/users/stat/status").set(h.auth).send({ status: false }).expect(200)).body).toEqual({ status: "Inactive" });
    expect((await admin.get("/users/stat").set(h.auth).expect(200)).body.isActive).toBe(false);
    expect((await admin.put("/users/stat/status").set(h.auth).send({ status: true }).expect(200)).body).toEqual({ status: "Activated" });
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey(keyId, keySecret)).expect(200);
    expect((await admin.put("/users/stat/status").set(h.auth).send({ status: "no" }).expect(400)).body.error.message).toContain("status:");
    await admin.put("/users/ghost/status").set(h.auth).send({ status: true }).expect(404);
  });

  it("removes a user (204, then 404)", async () => {
    await admin.post("/users").set(h.auth).send({ username: "gone" }).expect(201);
    await admin.delete("/users/gone").set(h.auth).expect(204);
    expectErrorBody((await admin.get("/users/gone").set(h.auth).expect(404)).body, 404, "RESOURCE_NOT_FOUND");
    await admin.delete("/users/gone").set(h.auth).expect(404);
  });

  it("pages the list with start/count and nextKey (0 on the last page)", async () => {
    for (const name of ["page-a", "page-b", "page-c"]) await admin.post("/users").set(h.auth).send({ username: name }).expect(201);
    const seen: string[] = [];
    let start: string | number = 0;
    for (let i = 0; i < 50; i++) {
      const res: request.Response = await admin.get("/users").query({ start, count: 2 }).set(h.auth).expect(200);
      expect(res.body.users.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.users.map((u: { username: string }) => u.username));
      if (res.body.nextKey === 0) break;
      start = res.body.nextKey;
    }
    expect(seen).toEqual(expect.arrayContaining(["declared-dora", "alice", "page-a", "page-b", "page-c"]));
    expect(new Set(seen).size).toBe(seen.length);
    const all = await admin.get("/users").set(h.auth).expect(200);
    expect(all.body.total).toBe(seen.length);
  });

  it("rejects bad paging parameters and caps the page size", async () => {
    await admin.get("/users?count=0").set(h.auth).expect(400);
    await admin.get("/users?count=abc").set(h.auth).expect(400);
    await admin.get("/users?count=1&count=2").set(h.auth).expect(400);
    expect((await admin.get("/users?limit=5").set(h.auth).expect(400)).body.error.message).toContain("query.limit");
    const res = await admin.get("/users?count=100000").set(h.auth).expect(200);
    expect(res.body.users.length).toBeLessThanOrEqual(500);
  });

  it("shows declared users, read-only (409 on every write)", async () => {
    const dora = await admin.get("/users/declared-dora").set(h.auth).expect(200);
    expect(dora.body).toMatchObject({ username: "declared-dora", firstname: "Dora", declared: true, isActive: true });
    expectErrorBody((await admin.put("/users/declared-dora").set(h.auth).send({ firstname: "D" }).expect(409)).body, 409, "CONFLICT");
    await admin.put("/users/declared-dora/status").set(h.auth).send({ status: false }).expect(409);
    await admin.delete("/users/declared-dora").set(h.auth).expect(409);
    await admin.put("/credentials/key-auth/dora-key/status").set(h.auth).send({ status: false }).expect(409);
    await admin.post("/credentials").set(h.auth).send({ consumerId: "declared-dora", type: "key-auth" }).expect(409);
    // Still serving.
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey("dora-key", "dora-secret-123")).expect(200);
  });
});

describe("/credentials and the data plane", () => {
  let userId: string;
  beforeAll(async () => {
    userId = (await admin.post("/users").set(h.auth).send({ username: "carol" }).expect(201)).body.id;
  });

  it("issues a key-auth key (secret only in the 201) that authenticates at once, and revokes it", async () => {
    const created = await admin
      .post("/credentials")
      .set(h.auth)
      .send({ consumerId: "carol", type: "key-auth", credential: {} })
      .expect(201);
    const { keyId, keySecret } = created.body as { keyId: string; keySecret: string };
    secrets.push(keySecret);
    expect(created.body).toMatchObject({ type: "key-auth", id: keyId, consumerId: userId, isActive: true, scopes: [] });
    expect(keySecret).toEqual(expect.any(String));
    expect(created.headers.location).toBe(`/credentials/key-auth/${encodeURIComponent(keyId)}`);

    const api = request(h.gateway.app);
    const ok = await api.get("/api/orders").set("authorization", apiKey(keyId, keySecret)).set("x-consumer-id", "forged").expect(200);
    const seen = h.upstream.requests.at(-1)!;
    expect(seen.headers["x-consumer-id"]).toBe(userId);
    expect(seen.headers["x-consumer-username"]).toBe("carol");
    expect(ok.status).toBe(200);

    for (const res of [
      await admin.get(`/credentials/key-auth/${keyId}`).set(h.auth).expect(200),
      await admin.get("/credentials").set(h.auth).expect(200),
      await admin.get("/credentials?consumerId=carol").set(h.auth).expect(200),
      await admin.get(`/credentials/${userId}`).set(h.auth).expect(200),
    ]) {
      expect(res.text).not.toContain(keySecret);
      expect(res.text).not.toContain("keySecret");
      expect(res.text).toContain(keyId);
    }

    expect((await admin.put(`/credentials/key-auth/${keyId}/status`).set(h.auth).send({ status: false }).expect(200)).body).toEqual({
      status: "Deactivated",
    });
    await api.get("/api/orders").set("authorization", apiKey(keyId, keySecret)).expect(401);
    expect((await admin.get(`/credentials/key-auth/${keyId}`).set(h.auth).expect(200)).body.isActive).toBe(false);
    expect((await admin.put(`/credentials/key-auth/${keyId}/status`).set(h.auth).send({ status: true }).expect(200)).body).toEqual({
      status: "Activated",
    });
    await api.get("/api/orders").set("authorization", apiKey(keyId, keySecret)).expect(200);
  });

  it("takes a given keyId and keySecret, and answers 409 for a taken keyId", async () => {
    await admin
      .post("/credentials")
      .set(h.auth)
      .send({ consumerId: userId, type: "key-auth", credential: { keyId: "carol-fixed", keySecret: "carol-fixed-secret" } })
      .expect(201);
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey("carol-fixed", "carol-fixed-secret")).expect(200);
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey("carol-fixed", "wrong-secret")).expect(401);
    expectErrorBody(
      (
        await admin
          .post("/credentials")
          .set(h.auth)
          .send({ consumerId: userId, type: "key-auth", credential: { keyId: "carol-fixed" } })
          .expect(409)
      ).body,
      409,
      "CONFLICT",
    );
  });

  it("validates credential bodies with field paths, never echoing secrets", async () => {
    const bad = await admin
      .post("/credentials")
      .set(h.auth)
      .send({
        consumerId: "carol",
        type: "key-auth",
        credential: { password: "pw-should-not-echo", keySecret: "", isActive: false, extra: 1 },
      })
      .expect(400);
    expectErrorBody(bad.body, 400, "VALIDATION_FAILED");
    for (const path of ["credential.password", "credential.keySecret", "credential.isActive", "credential.extra"])
      expect(bad.body.error.message).toContain(path);
    expect(bad.text).not.toContain("pw-should-not-echo");
    expect(
      (await admin.post("/credentials").set(h.auth).send({ consumerId: "carol", type: "oauth2" }).expect(400)).body.error.message,
    ).toContain("type:");
    expect((await admin.post("/credentials").set(h.auth).send({ type: "key-auth" }).expect(400)).body.error.message).toContain(
      "consumerId: is required",
    );
    expect(
      (await admin.post("/credentials").set(h.auth).send({ consumerId: "nobody", type: "key-auth" }).expect(400)).body.error.message,
    ).toContain("consumerId");
    expect(
      (
        await admin
          .post("/credentials")
          .set(h.auth)
          .send({ consumerId: "carol", type: "key-auth", credential: { keyId: "a:b" } })
          .expect(400)
      ).body.error.message,
    ).toContain("credential.keyId");
    await admin.get("/credentials/oauth2/x").set(h.auth).expect(400);
    await admin.get("/credentials/key-auth/no-such-key").set(h.auth).expect(404);
    await admin.put("/credentials/key-auth/no-such-key/status").set(h.auth).send({ status: false }).expect(404);
    await admin.get("/credentials/nobody").set(h.auth).expect(404);
  });

  it("issues basic-auth passwords: generated ones shown once, given ones (':' included) never echoed", async () => {
    await admin.post("/users").set(h.auth).send({ username: "basil" }).expect(201);
    const generated = await admin.post("/credentials").set(h.auth).send({ consumerId: "basil", type: "basic-auth" }).expect(201);
    const password = generated.body.password as string;
    secrets.push(password);
    expect(password).toEqual(expect.any(String));
    expect((await admin.get(`/credentials/basic-auth/${generated.body.id}`).set(h.auth).expect(200)).text).not.toContain(password);
    await request(h.gateway.app).get("/basic/x").set("authorization", basic("basil", password)).expect(200);
    await admin
      .post("/credentials")
      .set(h.auth)
      .send({ consumerId: "basil", type: "basic-auth", credential: { password: "x:y" } })
      .expect(409);

    await admin.post("/users").set(h.auth).send({ username: "colin" }).expect(201);
    const given = await admin
      .post("/credentials")
      .set(h.auth)
      .send({ consumerId: "colin", type: "basic-auth", credential: { password: "pa:ss:word" } })
      .expect(201);
    expect(given.text).not.toContain("pa:ss:word");
    expect(given.body.password).toBeUndefined();
    await request(h.gateway.app).get("/basic/x").set("authorization", basic("colin", "pa:ss:word")).expect(200);
    const wrong = await request(h.gateway.app).get("/basic/x").set("authorization", basic("colin", "pa:ss")).expect(401);
    expect(wrong.headers["www-authenticate"]).toMatch(/^Basic realm=/);
  });

  it("removes a credential (204, then 404)", async () => {
    const { keyId } = (await admin.post("/credentials").set(h.auth).send({ consumerId: "carol", type: "jwt" }).expect(201)).body;
    await admin.delete(`/credentials/jwt/${keyId}`).set(h.auth).expect(204);
    await admin.get(`/credentials/jwt/${keyId}`).set(h.auth).expect(404);
  });
});

describe("/scopes and credential scopes", () => {
  it("creates, lists, checks and removes scopes (409 on duplicates, 404 when absent)", async () => {
    expect(
      (
        await admin
          .post("/scopes")
          .set(h.auth)
          .send({ scopes: ["billing:read", "billing:write"] })
          .expect(201)
      ).body,
    ).toEqual({ scopes: ["billing:read", "billing:write"] });
    await admin
      .post("/scopes")
      .set(h.auth)
      .send({ scopes: ["billing:read"] })
      .expect(409);
    await admin.put("/scopes/billing:admin").set(h.auth).expect(201);
    await admin.put("/scopes/billing:admin").set(h.auth).expect(409);
    const list = (await admin.get("/scopes").set(h.auth).expect(200)).body.scopes as string[];
    expect(list).toEqual(expect.arrayContaining(["billing:read", "billing:write", "billing:admin", "orders:read"]));
    expect((await admin.get("/scopes/billing:read").set(h.auth).expect(200)).body).toEqual({ scope: "billing:read" });
    await admin.delete("/scopes/billing:write").set(h.auth).expect(204);
    await admin.get("/scopes/billing:write").set(h.auth).expect(404);
    await admin.delete("/scopes/billing:write").set(h.auth).expect(404);
    // Used by an apiEndpoint: declared, not removable.
    await admin.delete("/scopes/orders:read").set(h.auth).expect(409);
    expect(
      (
        await admin
          .post("/scopes")
          .set(h.auth)
          .send({ scopes: ["bad scope"] })
          .expect(400)
      ).body.error.message,
    ).toContain("scopes[0]");
    await admin.post("/scopes").set(h.auth).send({}).expect(400);
  });

  it("gives and takes credential scopes, which the data plane enforces (403 without)", async () => {
    await admin.post("/users").set(h.auth).send({ username: "scoped-sam" }).expect(201);
    const { keyId, keySecret } = (
      await admin.post("/credentials").set(h.auth).send({ consumerId: "scoped-sam", type: "key-auth" }).expect(201)
    ).body;
    const api = request(h.gateway.app);
    const key = apiKey(keyId, keySecret);
    await api.get("/scoped/orders").set("authorization", key).expect(403);

    await admin.put(`/credentials/key-auth/${keyId}/scopes/orders:read`).set(h.auth).expect(204);
    expect((await admin.get(`/credentials/key-auth/${keyId}`).set(h.auth).expect(200)).body.scopes).toEqual(["orders:read"]);
    await api.get("/scoped/orders").set("authorization", key).expect(200);

    await admin.delete(`/credentials/key-auth/${keyId}/scopes/orders:read`).set(h.auth).expect(204);
    await api.get("/scoped/orders").set("authorization", key).expect(403);

    await admin
      .put(`/credentials/key-auth/${keyId}/scopes`)
      .set(h.auth)
      .send({ scopes: ["orders:read"] })
      .expect(204);
    expect((await admin.get(`/credentials/key-auth/${keyId}/scopes`).set(h.auth).expect(200)).body).toEqual({ scopes: ["orders:read"] });
    await api.get("/scoped/orders").set("authorization", key).expect(200);

    // Unknown scopes are refused.
    await admin.put(`/credentials/key-auth/${keyId}/scopes/never-created`).set(h.auth).expect(400);
    await admin
      .post("/credentials")
      .set(h.auth)
      .send({ consumerId: "scoped-sam", type: "key-auth", credential: { scopes: ["never-created"] } })
      .expect(400);
    const withScope = await admin
      .post("/credentials")
      .set(h.auth)
      .send({ consumerId: "scoped-sam", type: "key-auth", credential: { scopes: "orders:read" } })
      .expect(201);
    expect(withScope.body.scopes).toEqual(["orders:read"]);
  });
});

describe("/apps", () => {
  it("creates an app for a user, gives it a key, lists, updates, deactivates and removes it", async () => {
    await admin.post("/users").set(h.auth).send({ username: "app-owner" }).expect(201);
    const app = await admin
      .post("/apps")
      .set(h.auth)
      .send({ userId: "app-owner", name: "owner-app", redirectUri: "https://example.com/cb" })
      .expect(201);
    expect(app.body).toMatchObject({ type: "app", name: "owner-app", isActive: true, id: expect.any(String) });
    await admin.post("/apps").set(h.auth).send({ userId: "app-owner", name: "owner-app" }).expect(409);
    await admin.post("/apps").set(h.auth).send({ userId: "nobody", name: "x" }).expect(400);
    await admin.post("/apps").set(h.auth).send({ userId: "app-owner", name: "y", isActive: true }).expect(400);

    const { keyId, keySecret } = (
      await admin.post("/credentials").set(h.auth).send({ consumerId: app.body.id, type: "key-auth" }).expect(201)
    ).body;
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey(keyId, keySecret)).expect(200);
    expect(h.upstream.requests.at(-1)!.headers["x-consumer-id"]).toBe(app.body.id);

    const mine = await admin.get("/apps?userId=app-owner").set(h.auth).expect(200);
    expect(mine.body.apps.map((a: { name: string }) => a.name)).toEqual(["owner-app"]);
    expect((await admin.get("/apps/owner-app").set(h.auth).expect(200)).body.id).toBe(app.body.id);
    expect((await admin.put("/apps/owner-app").set(h.auth).send({ name: "renamed-app" }).expect(200)).body.name).toBe("renamed-app");
    expect((await admin.put(`/apps/${app.body.id}/status`).set(h.auth).send({ status: false }).expect(200)).body).toEqual({
      status: "Deactivated",
    });
    await request(h.gateway.app).get("/api/x").set("authorization", apiKey(keyId, keySecret)).expect(401);
    await admin.delete("/apps/renamed-app").set(h.auth).expect(204);
    await admin.get(`/apps/${app.body.id}`).set(h.auth).expect(404);
  });
});

describe("GET /metrics", () => {
  it("exposes requests by pipeline, status and consumer, upstream latency, and the gateway's counters", async () => {
    await admin.post("/users").set(h.auth).send({ username: "metered" }).expect(201);
    const { keyId, keySecret, consumerId } = (
      await admin.post("/credentials").set(h.auth).send({ consumerId: "metered", type: "key-auth" }).expect(201)
    ).body;
    const api = request(h.gateway.app);
    await api.get("/api/m").set("authorization", apiKey(keyId, keySecret)).expect(200);
    await api.get("/api/m").set("authorization", apiKey(keyId, keySecret)).expect(200);
    await api.get("/api/m").expect(401);
    h.gateway.metrics.increment("turnpike_test_events_total", { store: 'we"ird' }, "Events a test counted.", 3);

    const res = await admin.get("/metrics").set(h.auth).expect(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toContain("# TYPE turnpike_requests_total counter");
    expect(text).toContain(`turnpike_requests_total{pipeline="api",status="200",consumer="${consumerId}"} 2`);
    expect(text).toMatch(/turnpike_requests_total\{pipeline="api",status="401",consumer=""\} \d+/);
    expect(text).toContain("# TYPE turnpike_upstream_latency_seconds histogram");
    expect(text).toMatch(/turnpike_upstream_latency_seconds_count\{pipeline="api"\} \d+/);
    expect(text).toContain("# TYPE turnpike_test_events_total counter");
    expect(text).toContain('turnpike_test_events_total{store="we\\"ird"} 3');
    expect(text).not.toContain(keySecret);
  });
});

describe("request ids", () => {
  it("are on every admin answer, fresh each time, never the client's", async () => {
    const answers = [
      await admin.get("/health").set("x-request-id", "client-chosen").expect(200),
      await admin.get("/users").expect(401),
      await admin.get("/nowhere").set(h.auth).expect(404),
      await admin.get("/users").set(h.auth).expect(200),
    ];
    const ids = answers.map((r) => r.headers["x-request-id"] as string);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("logs", () => {
  it("keep an audit line per admin request, with its request id, and never a secret", async () => {
    const UUID = "[0-9a-f-]{36}";
    expect(logLines.some((l) => new RegExp(`^info admin: POST /users 201 \\(127\\.0\\.0\\.1\\) ${UUID}$`).test(l))).toBe(true);
    expect(logLines.some((l) => /^info admin: PUT \/credentials\/key-auth\/\S+\/status 200/.test(l))).toBe(true);
    expect(logLines.some((l) => new RegExp(`^info admin: GET /users 401 \\(127\\.0\\.0\\.1\\) ${UUID}$`).test(l))).toBe(true);
    expect(logLines.some((l) => l.startsWith("debug admin: GET /users 200"))).toBe(true);
    for (const secret of secrets) expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
  });
});
