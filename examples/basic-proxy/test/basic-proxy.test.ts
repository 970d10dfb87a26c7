import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("examples/basic-proxy", () => {
  let child: ChildProcess;
  let url: string;
  let output = "";

  beforeAll(async () => {
    child = spawn(process.execPath, ["start.js"], { cwd: exampleDir, env: { ...process.env, PORT: "0", UPSTREAM_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
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
