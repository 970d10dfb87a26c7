/**
 * The installed command: `npm ci` must link node_modules/.bin/turnpike on a fresh clone, where dist/
 * does not exist yet when npm links bins (the README, `npm start` scripts and the shared benchmark all
 * run that link).
 */
import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(cliDir, "../..");
const manifest = JSON.parse(readFileSync(path.join(cliDir, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };

describe("the turnpike binary", () => {
  it("is a committed file, not build output, and executable", () => {
    const bin = manifest.bin.turnpike!;
    expect(path.normalize(bin).split(path.sep)[0]).not.toBe("dist");
    expect(() => accessSync(path.join(cliDir, bin), constants.X_OK)).not.toThrow();
  });

  it("is linked as node_modules/.bin/turnpike and runs", () => {
    const linked = path.join(repoRoot, "node_modules", ".bin", "turnpike");
    expect(realpathSync(linked)).toBe(realpathSync(path.join(cliDir, manifest.bin.turnpike!)));
    const run = spawnSync(linked, ["--version"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(manifest.version);
  });
});
