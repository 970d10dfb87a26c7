import { afterAll, describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { startRedis } from "@turnpike/testing";
import { createRedisConsumerStore, createSqliteConsumerStore, type ConsumerDirectory } from "../../src/index.js";
import { tempDir } from "../helpers.js";

const CHOSEN_SECRET = "chosen-key-secret-7f3a";
const PASSWORD = "pass:word-91c2";

async function issue(store: ConsumerDirectory): Promise<string[]> {
  await store.createUser({ username: "sam" });
  const generated = await store.createCredential("sam", "key-auth");
  await store.createCredential("sam", "key-auth", { keyId: "chosen", keySecret: CHOSEN_SECRET });
  await store.createCredential("sam", "basic-auth", { password: PASSWORD });
  const jwt = await store.createCredential("sam", "jwt");
  return [generated.keySecret!, CHOSEN_SECRET, PASSWORD, jwt.keySecret!];
}

describe("secrets at rest", () => {
  const data = tempDir();
  afterAll(() => data.cleanup());

  it("SQLite: no secret appears in the database or its WAL", async () => {
    const store = createSqliteConsumerStore({ file: path.join(data.dir, "consumers.db") });
    const secrets = await issue(store);
    const bytes = readdirSync(data.dir)
      .map((f) => readFileSync(path.join(data.dir, f)).toString("latin1"))
      .join("");
    expect(bytes).toContain("sam");
    for (const secret of secrets) expect(bytes).not.toContain(secret);
    await store.close();
  });

  it("Redis: no secret appears in any value", async () => {
    const server = await startRedis();
    const redis = new Redis(server.url);
    try {
      const store = createRedisConsumerStore({ redis, prefix: "rest:" });
      const secrets = await issue(store);
      const keys = await redis.keys("rest:*");
      const values: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === "string") values.push((await redis.get(key))!);
        else if (type === "set") values.push(...(await redis.smembers(key)));
        else if (type === "zset") values.push(...(await redis.zrange(key, 0, -1)));
      }
      const all = values.join("\n");
      expect(all).toContain("sam");
      for (const secret of secrets) expect(all).not.toContain(secret);
      await store.close();
    } finally {
      await redis.quit();
      await server.stop();
    }
  });
});
