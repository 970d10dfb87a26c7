import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnProcess, type WatchedProcess } from "@turnpike/testing";
import path from "node:path";
import { fileURLToPath } from "node:url";

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("examples/basic-proxy", () => {
  let app: WatchedProcess;
  let url: string;

  beforeAll(async () => {
    app = spawnProcess(process.execPath, ["start.js"], { cwd: exampleDir, env: { PORT: "0", UPSTREAM_PORT: "0" } });
    url = (await app.waitForOutput(/gateway listening on (\S+)/))[1]!;
  });

  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it("forwards /api/* to the demo service with the prefix stripped", async () => {
    const res = await fetch(`${url}/api/hello?x=1`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { service: string; url: string; requestId: string };
    expect(body).toMatchObject({ service: "demo", url: "/hello?x=1" });
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("rejects bodies over 1 MB with 413 and answers 404 outside /api", async () => {
    expect((await fetch(`${url}/api/upload`, { method: "POST", body: Buffer.alloc(1024 * 1024 + 1) })).status).toBe(413);
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404);
  });
});
