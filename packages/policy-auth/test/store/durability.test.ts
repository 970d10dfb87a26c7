import { afterAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSqliteConsumerStore } from "../../src/index.js";
import { verifySecret } from "../../src/store/secret-hash.js";
import { tempDir } from "../helpers.js";

// The child runs the built package (npm run build first), as a gateway process would.
const distIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/index.js");

const WRITER = `
import { createSqliteConsumerStore } from ${JSON.stringify(distIndex)};
const store = createSqliteConsumerStore({ file: process.env.STORE_FILE });
const user = await store.createUser({ username: "durable" });
const cred = await store.createCredential(user.id, "key-auth", { keyId: "durable-key" });
await store.setCredentialStatus("key-auth", "durable-key", false);
await store.setCredentialStatus("key-auth", "durable-key", true);
process.stdout.write(JSON.stringify({ userId: user.id, keySecret: cred.keySecret }) + "\\n");
setInterval(() => {}, 60000);
`;

describe("SQLite durability", () => {
  const data = tempDir();
  afterAll(() => data.cleanup());

  it("an acknowledged write survives kill -9 of the process that made it", async () => {
    const file = path.join(data.dir, "consumers.db");
    const child = spawn(process.execPath, ["--input-type=module", "-e", WRITER], {
      env: { ...process.env, STORE_FILE: file },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.once("exit", (code) => reject(new Error(`writer exited (${code}) before acknowledging: ${stderr}`)));
    });
    child.kill("SIGKILL");
    await exited;

    const acknowledged = JSON.parse(line) as { userId: string; keySecret: string };
    const store = createSqliteConsumerStore({ file });
    try {
      expect(await store.getUser("durable")).toMatchObject({ id: acknowledged.userId });
      const auth = await store.findAuthRecord("key-auth", "durable-key");
      expect(auth!.credential.isActive).toBe(true);
      expect(await verifySecret(auth!.secretHash!, acknowledged.keySecret)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
