import { afterEach, describe, expect, it } from "@jest/globals";
import bcrypt from "bcryptjs";
import { importedBcryptHash } from "../../src/index.js";
import { isFastHash, verifySecret } from "../../src/store/secret-hash.js";
import { memoryKind } from "./store-fixtures.js";

// What Express Gateway's utils.saltAndHash stores for a basic-auth password (bcryptjs, cost 10 there).
const EG_HASH = bcrypt.hashSync("alice-password", 4);

const kind = memoryKind();
afterEach(() => kind.reset());

describe("imported Express Gateway secrets", () => {
  it("keeps a bcrypt hash verifiable, as a slow hash", async () => {
    const stored = importedBcryptHash(EG_HASH)!;
    expect(stored).toBe(`bcrypt$${EG_HASH}`);
    expect(isFastHash(stored)).toBe(false);
    expect(await verifySecret(stored, "alice-password")).toBe(true);
    expect(await verifySecret(stored, "alice-passwore")).toBe(false);
  });

  it("refuses what is not a bcrypt hash, and costs beyond 14", () => {
    expect(importedBcryptHash("alice-password")).toBeUndefined();
    expect(importedBcryptHash(EG_HASH.replace("$04$", "$20$"))).toBeUndefined();
  });
});

describe("ConsumerStore.importConsumers", () => {
  const alice = { id: "3f1c1a9e-0000-4000-8000-000000000001", username: "alice", firstname: "Alice", isActive: true };
  const app = { id: "3f1c1a9e-0000-4000-8000-000000000002", name: "alice-app", userId: alice.id, isActive: false };
  const data = {
    scopes: ["read"],
    users: [alice],
    apps: [app],
    credentials: [
      { type: "key-auth" as const, keyId: "k1", consumerId: alice.id, scopes: ["read"], isActive: true, secret: { clear: "k1-secret" } },
      {
        type: "basic-auth" as const,
        consumerId: alice.id,
        scopes: [],
        isActive: true,
        secret: { hash: importedBcryptHash(EG_HASH)! },
        createdAt: "Fri Dec 04 2026 17:03:08 GMT+0000 (Coordinated Universal Time)",
      },
    ],
  };

  it("keeps ids, statuses, dates and hashed secrets, and authenticates with the old secrets", async () => {
    const store = kind.open();
    const result = await store.importConsumers(data);
    expect(result).toEqual({
      imported: ["scope read", "user alice", "app alice-app", "key-auth credential k1", `basic-auth credential of ${alice.id}`],
      skipped: [],
    });
    expect(await store.getUser("alice")).toMatchObject({ id: alice.id, firstname: "Alice", isActive: true });
    expect(await store.getApp("alice-app")).toMatchObject({ id: app.id, isActive: false, userId: alice.id });
    const basic = await store.findAuthRecord("basic-auth", "alice");
    expect(basic?.credential.createdAt).toBe("2026-12-04T17:03:08.000Z");
    expect(await verifySecret(basic!.secretHash!, "alice-password")).toBe(true);
    const key = await store.findAuthRecord("key-auth", "k1");
    expect(key?.credential).toMatchObject({ consumerId: alice.id, scopes: ["read"], isActive: true });
    expect(await verifySecret(key!.secretHash!, "k1-secret")).toBe(true);
  });

  it("reports an import run twice as present, and conflicts and unknown hashes as refused", async () => {
    const store = kind.open();
    await store.importConsumers(data);
    const again = await store.importConsumers(data);
    expect(again.imported).toEqual([]);
    expect(again.skipped.map((s) => s.kind)).toEqual(["present", "present", "present", "present"]);

    const other = await store.importConsumers({
      users: [{ id: "another-id", username: "alice", isActive: true }],
      credentials: [
        { type: "key-auth", keyId: "k1", consumerId: app.id, scopes: [], isActive: true, secret: { clear: "x" } },
        { type: "basic-auth", consumerId: app.id, scopes: [], isActive: true, secret: { hash: "md5$abc" } },
        { type: "key-auth", keyId: "k2", consumerId: "nobody", scopes: [], isActive: true, secret: { clear: "x" } },
      ],
    });
    expect(other.imported).toEqual([]);
    expect(other.skipped).toEqual([
      { what: "user alice", kind: "conflict", reason: "username already exists: alice" },
      { what: "key-auth credential k1", kind: "conflict", reason: "key-auth credential k1 already exists" },
      { what: `basic-auth credential of ${app.id}`, kind: "invalid", reason: "its secret is hashed in a format Turnpike cannot verify" },
      { what: "key-auth credential k2", kind: "invalid", reason: "its consumer nobody is not stored" },
    ]);
  });
});
