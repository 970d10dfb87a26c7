import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runTurnpike } from "@turnpike/testing";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("examples/custom-policy", () => {
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, ["start.js"], { cwd: exampleDir, env: { ...process.env, PORT: "0", UPSTREAM_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        output += d.toString();
        const m = /gateway listening on (\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`example exited with ${code}: ${output}`)));
    });
  });

  afterAll(async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
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
