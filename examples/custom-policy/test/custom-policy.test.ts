import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runTurnpike, spawnProcess, type WatchedProcess } from "@turnpike/testing";
import path from "node:path";
import { fileURLToPath } from "node:url";

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("examples/custom-policy", () => {
  let app: WatchedProcess;
  let url: string;

  beforeAll(async () => {
    app = spawnProcess(process.execPath, ["start.js"], { cwd: exampleDir, env: { PORT: "0", UPSTREAM_PORT: "0" } });
    url = (await app.waitForOutput(/gateway listening on (\S+)/))[1]!;
  });

  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it("runs the local plugin's policy in front of the service", async () => {
    expect((await fetch(`${url}/v1/items`)).status).toBe(400);
    const res = await fetch(`${url}/v1/items`, { headers: { "accept-version": "2" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ apiVersion: "2", url: "/v1/items" });
  });

  it("passes turnpike validate", async () => {
    const result = await runTurnpike(["validate", "-c", path.join(exampleDir, "gateway.config.yml")]);
    expect(result).toMatchObject({ code: 0, stdout: "ok\n" });
  });
});
