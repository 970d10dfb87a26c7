/**
 * Writing a configuration to a fresh temporary directory.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Writes `config` (an object, written as JSON, which is valid YAML; or YAML text) to
 * `<new temp dir>/gateway.config.yml` and returns the file's path.
 */
export function writeConfig(
  config: object | string,
  fileName = "gateway.config.yml",
  dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-test-")),
): string {
  const file = path.join(dir, fileName);
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  return file;
}
