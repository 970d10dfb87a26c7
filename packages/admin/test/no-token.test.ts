import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGateway, silentLogger, type AdminServer, type Gateway } from "@turnpike/core";
import { startAdmin } from "@turnpike/admin";
import request from "supertest";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "turnpike-admin-notoken-"));
const opened: Gateway[] = [];
let admin: AdminServer | undefined;

afterAll(async () => {
  await admin?.close();
  for (const gw of opened) await gw.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const gatewayWith = async (adminBlock: Record<string, unknown>): Promise<Gateway> => {
  const gw = await createGateway({
    logger: silentLogger,
    baseDir: dataDir,
    config: { admin: { port: 0, dataDir, ...adminBlock }, apiEndpoints: {}, pipelines: {} },
  });
  opened.push(gw);
  return gw;
};

describe("an admin API without a token", () => {
  it("needs no Authorization on loopback", async () => {
    admin = await startAdmin(await gatewayWith({ host: "127.0.0.1" }));
    expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await request(admin.url).post("/users").send({ username: "open" }).expect(201);
    await request(admin.url).get("/users/open").expect(200);
  });

  it("is refused on another address, like an invalid config", async () => {
    await expect(gatewayWith({ host: "0.0.0.0" })).rejects.toMatchObject({
      problems: [{ path: "admin.token", message: expect.stringContaining("is required") }],
    });
  });
});
