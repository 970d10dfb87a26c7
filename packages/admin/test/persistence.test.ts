import { afterAll, describe, expect, it } from "@jest/globals";
import { rmSync } from "node:fs";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import request from "supertest";
import { apiKey, startHarness, type AdminHarness } from "./admin-harness.js";

let upstream: TestUpstream | undefined;
let harness: AdminHarness | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await harness?.close();
  await upstream?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("data written through the admin API", () => {
  it("survives a restart of the gateway on the same data directory", async () => {
    upstream = await startUpstream();
    harness = await startHarness({ upstream });
    dataDir = harness.dataDir;
    let admin = request(harness.admin.url);
    const user = (await admin.post("/users").set(harness.auth).send({ username: "persisted", lastname: "Kept" }).expect(201)).body;
    await admin
      .post("/scopes")
      .set(harness.auth)
      .send({ scopes: ["kept:scope"] })
      .expect(201);
    const app = (await admin.post("/apps").set(harness.auth).send({ userId: "persisted", name: "kept-app" }).expect(201)).body;
    const key = (
      await admin
        .post("/credentials")
        .set(harness.auth)
        .send({ consumerId: "persisted", type: "key-auth", credential: { scopes: ["kept:scope"] } })
        .expect(201)
    ).body;
    const revoked = (await admin.post("/credentials").set(harness.auth).send({ consumerId: app.id, type: "key-auth" }).expect(201)).body;
    await admin.put(`/credentials/key-auth/${revoked.keyId}/status`).set(harness.auth).send({ status: false }).expect(200);
    await harness.close();
    harness = undefined;

    harness = await startHarness({ upstream, dataDir });
    admin = request(harness.admin.url);
    expect((await admin.get("/users/persisted").set(harness.auth).expect(200)).body).toEqual(user);
    expect((await admin.get("/apps/kept-app").set(harness.auth).expect(200)).body).toEqual(app);
    expect((await admin.get("/scopes/kept:scope").set(harness.auth).expect(200)).body).toEqual({ scope: "kept:scope" });
    const { keySecret, ...stored } = key;
    expect((await admin.get(`/credentials/key-auth/${key.keyId}`).set(harness.auth).expect(200)).body).toEqual(stored);
    expect((await admin.get(`/credentials/key-auth/${revoked.keyId}`).set(harness.auth).expect(200)).body.isActive).toBe(false);

    await request(harness.gateway.app).get("/api/x").set("authorization", apiKey(key.keyId, keySecret)).expect(200);
    await request(harness.gateway.app).get("/api/x").set("authorization", apiKey(revoked.keyId, revoked.keySecret)).expect(401);
  });
});
