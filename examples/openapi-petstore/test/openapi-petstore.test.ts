import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runTurnpike, spawnGateway, type GatewayProcess } from "@turnpike/testing";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const auth = { authorization: "apiKey demo:demo-secret" };

describe("examples/openapi-petstore", () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await spawnGateway(path.join(exampleDir, "gateway.config.yml"), { args: ["--no-watch"], env: { PORT: "0" } });
  });
  afterAll(async () => {
    expect(await gateway.stop()).toBe(0);
  });

  it("answers the mocked Petstore behind key-auth, with examples chosen by Prefer", async () => {
    expect((await fetch(`${gateway.url}/v1/pets`)).status).toBe(401);
    const pets = await fetch(`${gateway.url}/v1/pets`, { headers: auth });
    expect(pets.status).toBe(200);
    expect(await pets.json()).toEqual([
      { id: 1, name: "Rex", tag: "dog" },
      { id: 2, name: "Tom", tag: "cat" },
    ]);
    expect(await (await fetch(`${gateway.url}/v1/pets`, { headers: { ...auth, prefer: "example=none" } })).json()).toEqual([]);
    const missing = await fetch(`${gateway.url}/v1/pets/7`, { headers: { ...auth, prefer: "code=404" } });
    expect([missing.status, await missing.json()]).toEqual([404, { code: 404, message: "no such pet" }]);
  });

  it("validates requests against the document", async () => {
    const bad = await fetch(`${gateway.url}/v1/pets?limit=500`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("query.limit: must be <= 100");
    const post = await fetch(`${gateway.url}/v1/pets`, { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: "x" });
    expect(post.status).toBe(415);
  });

  it("serves Swagger UI and the exported document under /docs", async () => {
    const page = await fetch(`${gateway.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="swagger-ui-bundle.js"></script>');
    const document = (await (await fetch(`${gateway.url}/docs/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths).sort()).toEqual(["/v1/pets", "/v1/pets/{petId}"]);
  });

  it("is what turnpike init --example openapi-petstore writes, and passes turnpike validate", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-init-"));
    try {
      const target = path.join(dir, "petstore");
      expect((await runTurnpike(["init", target, "--example", "openapi-petstore"])).code).toBe(0);
      expect(existsSync(path.join(target, "petstore.yaml"))).toBe(true);
      expect(await runTurnpike(["validate", "-c", path.join(target, "gateway.config.yml")])).toMatchObject({ code: 0, stdout: "ok\n" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Two CLI runs in child processes.
  }, 90_000);
});
