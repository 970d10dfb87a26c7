import { describe, expect, it } from "@jest/globals";
import { runTurnpike } from "@turnpike/testing";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

describe("turnpike init", () => {
  it("writes the basic-proxy example by default, as a project of its own", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "turnpike-init-")), "my-gateway");
    const result = await runTurnpike(["init", dir]);
    expect(result.code).toBe(0);
    for (const file of ["gateway.config.yml", "start.js", "upstream.js", "README.md", "package.json"])
      expect(existsSync(path.join(dir, file))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name).toBe("my-gateway");
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
    const validate = await runTurnpike(["validate", "-c", path.join(dir, "gateway.config.yml")]);
    expect(validate).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("writes another example with --example", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-init-"));
    expect((await runTurnpike(["init", dir, "--example", "custom-policy"])).code).toBe(0);
    expect(existsSync(path.join(dir, "plugins", "require-header", "index.js"))).toBe(true);
  });

  it("refuses a non-empty directory and unknown examples", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-init-"));
    writeFileSync(path.join(dir, "keep.txt"), "mine");
    expect(await runTurnpike(["init", dir])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/exists and is not an empty directory/),
    });
    expect(readFileSync(path.join(dir, "keep.txt"), "utf8")).toBe("mine");
    const empty = path.join(dir, "sub");
    mkdirSync(empty);
    expect(await runTurnpike(["init", empty, "--example", "nope"])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/unknown example "nope"; available: .*basic-proxy/),
    });
    expect(await runTurnpike(["init"])).toMatchObject({ code: 2 });
  });
});
