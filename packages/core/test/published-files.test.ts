/**
 * Policies keep their tests beside them in src/ (src/policies/<name>/<name>.test.ts): the build skips
 * them (tsconfig `exclude`) and so must the published packages. This packs each package that does so
 * (npm pack --dry-run, the list npm would publish) and looks for any test file.
 */
import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const run = promisify(execFile);

async function publishedFiles(workspace: string): Promise<string[]> {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "-w", workspace], { cwd: root });
  return (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe("published files", () => {
  it.each(["packages/core", "packages/policy-throttle", "packages/policy-cache", "packages/policy-compose", "packages/testing"])(
    "%s publishes its build and no tests",
    async (workspace) => {
      const files = await publishedFiles(workspace);
      expect(files).toContain("dist/index.js");
      expect(files.filter((f) => /\.test\.|(^|\/)test\//.test(f))).toEqual([]);
    },
  );
});
