import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { ConsumerDirectory, StoreChange } from "../../src/index.js";
import { declaredConsumerId } from "../../src/index.js";
import type { GatewayConfig } from "@turnpike/core";
import { verifySecret } from "../../src/store/secret-hash.js";
import { memoryKind, redisKind, sqliteKind, type StoreKind } from "./store-fixtures.js";

const kinds: [string, () => Promise<StoreKind>][] = [
  ["memory", async () => memoryKind()],
  ["sqlite", async () => sqliteKind()],
  ["redis", redisKind],
];

function declaredConfig(): Pick<GatewayConfig, "consumers" | "apiEndpoints"> {
  return {
    consumers: [
      {
        username: "decl",
        fields: { email: "decl@example.com", tier: "gold" },
        path: "consumers[0]",
        credentials: [
          { type: "key-auth", keyId: "decl-key", keySecret: "decl-secret", scopes: ["read"], path: "consumers[0].credentials[0]" },
          { type: "basic-auth", password: "p:w", scopes: [], path: "consumers[0].credentials[1]" },
        ],
      },
    ],
    apiEndpoints: { api: [{ name: "api", paths: ["/*"], scopes: ["admin"], path: "apiEndpoints.api" }] },
  };
}

describe.each(kinds)("%s consumer store", (_name, make) => {
  let kind: StoreKind;
  let store: ConsumerDirectory;
  beforeAll(async () => {
    kind = await make();
  });
  afterAll(() => kind.teardown());
  beforeEach(() => {
    store = kind.open();
  });
  afterEach(() => kind.reset());

  describe("users", () => {
    it("creates a user and finds it by username and by id", async () => {
      const user = await store.createUser({ username: "alice", firstname: "Alice", email: "a@example.com" });
      expect(user).toMatchObject({ type: "user", username: "alice", firstname: "Alice", isActive: true, declared: false });
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.getUser("alice")).toEqual(user);
      expect(await store.getUser(user.id)).toEqual(user);
      expect(await store.getConsumer("alice")).toEqual(user);
      expect(await store.getUser("nobody")).toBeUndefined();
    });

    it("refuses a taken username with CONFLICT and bad input with INVALID", async () => {
      await store.createUser({ username: "alice" });
      await expect(store.createUser({ username: "alice" })).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
      await expect(store.createUser({ username: "" })).rejects.toMatchObject({ code: "INVALID", status: 400 });
    });

    it("updates profile fields (null removes one) but never the username", async () => {
      const user = await store.createUser({ username: "bob", firstname: "Bob", lastname: "B" });
      const updated = await store.updateUser("bob", { firstname: "Robert", lastname: null });
      expect(updated).toMatchObject({ id: user.id, username: "bob", firstname: "Robert" });
      expect(updated.lastname).toBeUndefined();
      expect(await store.getUser(user.id)).toEqual(updated);
      await expect(store.updateUser("bob", { username: "x" } as never)).rejects.toMatchObject({ code: "INVALID" });
      await expect(store.updateUser("bob", { colour: "red" } as never)).rejects.toMatchObject({ code: "INVALID" });
      await expect(store.updateUser("ghost", { firstname: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("lists users in creation order, page by page", async () => {
      for (const name of ["u1", "u2", "u3", "u4", "u5"]) await store.createUser({ username: name });
      const first = await store.listUsers({ count: 2 });
      expect(first.items.map((u) => u.username)).toEqual(["u1", "u2"]);
      expect(first.total).toBe(5);
      const second = await store.listUsers({ count: 2, start: first.nextKey! });
      expect(second.items.map((u) => u.username)).toEqual(["u3", "u4"]);
      const third = await store.listUsers({ count: 2, start: second.nextKey! });
      expect(third.items.map((u) => u.username)).toEqual(["u5"]);
      expect(third.nextKey).toBeUndefined();
      await expect(store.listUsers({ start: "not-a-cursor" })).rejects.toMatchObject({ code: "INVALID" });
      expect((await store.listUsers({ count: 100000 })).items).toHaveLength(5);
    });

    it("deactivating a user deactivates its apps; removing it removes apps and credentials", async () => {
      await store.createUser({ username: "carol" });
      const app = await store.createApp("carol", { name: "carol-app" });
      const key = await store.createCredential("carol-app", "key-auth");
      const userKey = await store.createCredential("carol", "key-auth");
      expect((await store.setUserStatus("carol", false)).isActive).toBe(false);
      expect((await store.getApp(app.id))!.isActive).toBe(false);
      expect((await store.setUserStatus("carol", true)).isActive).toBe(true);
      expect((await store.getApp(app.id))!.isActive).toBe(false);

      await store.removeUser("carol");
      expect(await store.getUser("carol")).toBeUndefined();
      expect(await store.getApp("carol-app")).toBeUndefined();
      expect(await store.getCredential("key-auth", key.id)).toBeUndefined();
      expect(await store.findAuthRecord("key-auth", userKey.keyId!)).toBeUndefined();
      expect((await store.listAllCredentials()).total).toBe(0);
      expect((await store.listApps()).total).toBe(0);
      // The username is free again.
      await store.createUser({ username: "carol" });
    });
  });

  describe("apps", () => {
    it("creates apps for a user, finds them by id and name, renames and removes them", async () => {
      const user = await store.createUser({ username: "dave" });
      const app = await store.createApp("dave", { name: "dash", redirectUri: "https://example.com/cb" });
      expect(app).toMatchObject({ type: "app", name: "dash", userId: user.id, isActive: true, declared: false });
      expect(await store.getApp("dash")).toEqual(app);
      expect(await store.getApp(app.id)).toEqual(app);
      expect(await store.getConsumer("dash")).toEqual(app);
      await expect(store.createApp("dave", { name: "dash" })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(store.createApp("ghost", { name: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });

      const renamed = await store.updateApp("dash", { name: "board", redirectUri: null });
      expect(renamed.name).toBe("board");
      expect(renamed.redirectUri).toBeUndefined();
      expect(await store.getApp("dash")).toBeUndefined();
      await store.createApp("dave", { name: "dash" });
      expect((await store.listApps({ userId: "dave" })).items.map((a) => a.name)).toEqual(["board", "dash"]);
      expect((await store.setAppStatus("board", false)).isActive).toBe(false);

      await store.removeApp("board");
      expect(await store.getApp(app.id)).toBeUndefined();
      expect((await store.listApps({ userId: user.id })).items.map((a) => a.name)).toEqual(["dash"]);
    });
  });

  describe("credentials", () => {
    beforeEach(async () => {
      await store.createUser({ username: "erin" });
      await store.createScopes(["read", "write"]);
    });

    it("issues a key-auth credential whose secret is shown once and stored only as a hash", async () => {
      const issued = await store.createCredential("erin", "key-auth", { scopes: ["read"] });
      expect(issued.keyId).toBe(issued.id);
      // Hex, so a key id never starts with `-` and reads as an option on a command line.
      expect(issued.keyId).toMatch(/^[0-9a-f]{32}$/);
      expect(issued.keySecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(issued).toMatchObject({ type: "key-auth", scopes: ["read"], isActive: true, declared: false });

      const shown = await store.getCredential("key-auth", issued.id);
      expect(shown).not.toHaveProperty("keySecret");
      expect(shown).not.toHaveProperty("secretHash");
      expect(await store.listCredentials("erin")).toEqual([shown]);
      expect((await store.listAllCredentials()).items).toEqual([shown]);

      const auth = await store.findAuthRecord("key-auth", issued.keyId!);
      expect(auth!.consumer).toMatchObject({ type: "user", username: "erin" });
      expect(auth!.secretHash).toMatch(/^sha256\$/);
      expect(auth!.secretHash).not.toContain(issued.keySecret);
      expect(await verifySecret(auth!.secretHash!, issued.keySecret!)).toBe(true);
      expect(await verifySecret(auth!.secretHash!, `${issued.keySecret}x`)).toBe(false);
    });

    it("hashes a chosen key secret with scrypt and refuses a taken key id", async () => {
      const issued = await store.createCredential("erin", "key-auth", { keyId: "erin-key", keySecret: "chosen:secret" });
      expect(issued).toMatchObject({ keyId: "erin-key", keySecret: "chosen:secret" });
      const auth = await store.findAuthRecord("key-auth", "erin-key");
      expect(auth!.secretHash).toMatch(/^scrypt\$/);
      expect(await verifySecret(auth!.secretHash!, "chosen:secret")).toBe(true);
      await expect(store.createCredential("erin", "key-auth", { keyId: "erin-key" })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(store.createCredential("erin", "key-auth", { keyId: "a:b" })).rejects.toMatchObject({ code: "INVALID" });
      await expect(store.createCredential("erin", "key-auth", { password: "x" })).rejects.toMatchObject({ code: "INVALID" });
      // The same key id under another type is a different credential.
      await store.createCredential("erin", "jwt", { keyId: "erin-key" });
    });

    it("refuses unknown scopes, unknown types and unknown consumers", async () => {
      await expect(store.createCredential("erin", "key-auth", { scopes: ["nope"] })).rejects.toMatchObject({
        code: "INVALID",
        message: expect.stringContaining("nope"),
      });
      await expect(store.createCredential("erin", "oauth2" as never)).rejects.toMatchObject({ code: "INVALID" });
      await expect(store.createCredential("ghost", "key-auth")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("keeps one basic-auth credential per consumer, replacing it only once revoked", async () => {
      const user = await store.getUser("erin");
      const issued = await store.createCredential("erin", "basic-auth", { password: "pa:ss" });
      expect(issued).toMatchObject({ type: "basic-auth", id: user!.id, password: "pa:ss" });
      expect(issued).not.toHaveProperty("keyId");
      await expect(store.createCredential("erin", "basic-auth", { password: "other" })).rejects.toMatchObject({ code: "CONFLICT" });
      const auth = await store.findAuthRecord("basic-auth", "erin");
      expect(auth!.secretHash).toMatch(/^scrypt\$/);
      expect(await verifySecret(auth!.secretHash!, "pa:ss")).toBe(true);
      expect((await store.findAuthRecord("basic-auth", user!.id))!.credential.id).toBe(user!.id);

      expect((await store.setCredentialStatus("basic-auth", user!.id, false)).isActive).toBe(false);
      const generated = await store.createCredential("erin", "basic-auth");
      expect(generated.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(await verifySecret((await store.findAuthRecord("basic-auth", "erin"))!.secretHash!, generated.password!)).toBe(true);
      expect(await store.listCredentials("erin")).toHaveLength(1);
    });

    it("revokes, re-activates, rescopes and removes credentials", async () => {
      const issued = await store.createCredential("erin", "key-auth", { scopes: ["read"] });
      expect((await store.setCredentialStatus("key-auth", issued.id, false)).isActive).toBe(false);
      expect((await store.findAuthRecord("key-auth", issued.id))!.credential.isActive).toBe(false);
      expect((await store.setCredentialStatus("key-auth", issued.id, true)).isActive).toBe(true);

      expect((await store.updateCredentialScopes("key-auth", issued.id, { add: ["write"] })).scopes).toEqual(["read", "write"]);
      expect((await store.updateCredentialScopes("key-auth", issued.id, { remove: ["read"] })).scopes).toEqual(["write"]);
      expect((await store.updateCredentialScopes("key-auth", issued.id, { set: [] })).scopes).toEqual([]);
      await expect(store.updateCredentialScopes("key-auth", issued.id, { add: ["nope"] })).rejects.toMatchObject({ code: "INVALID" });

      await store.removeCredential("key-auth", issued.id);
      expect(await store.getCredential("key-auth", issued.id)).toBeUndefined();
      expect(await store.listCredentials("erin")).toEqual([]);
      await expect(store.removeCredential("key-auth", issued.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(store.setCredentialStatus("key-auth", "ghost", false)).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });

  describe("scopes", () => {
    it("creates, lists, checks and removes scopes, taking a removed scope off credentials", async () => {
      await store.createScopes(["b", "a"]);
      await expect(store.createScopes(["a"])).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await store.listScopes()).toEqual([
        { name: "a", declared: false },
        { name: "b", declared: false },
      ]);
      expect(await store.hasScope("a")).toBe(true);
      expect(await store.hasScope("c")).toBe(false);
      await store.createUser({ username: "fay" });
      const cred = await store.createCredential("fay", "key-auth", { scopes: ["a", "b"] });
      await store.removeScope("a");
      expect((await store.getCredential("key-auth", cred.id))!.scopes).toEqual(["b"]);
      await expect(store.removeScope("a")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });

  describe("declared consumers", () => {
    it("merges declared consumers, read-only, ahead of stored ones", async () => {
      store.useDeclared(declaredConfig());
      const decl = await store.getUser("decl");
      expect(decl).toMatchObject({ id: declaredConsumerId("decl"), username: "decl", email: "decl@example.com", declared: true });
      expect(decl).not.toHaveProperty("tier");
      expect(await store.getUser(decl!.id)).toEqual(decl);
      await store.createUser({ username: "stored" });
      expect((await store.listUsers()).items.map((u) => [u.username, u.declared])).toEqual([
        ["decl", true],
        ["stored", false],
      ]);
      const page = await store.listUsers({ count: 1 });
      expect(page.items.map((u) => u.username)).toEqual(["decl"]);
      expect((await store.listUsers({ count: 1, start: page.nextKey! })).items.map((u) => u.username)).toEqual(["stored"]);

      await expect(store.createUser({ username: "decl" })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(store.updateUser("decl", { firstname: "x" })).rejects.toMatchObject({ code: "READ_ONLY" });
      await expect(store.setUserStatus("decl", false)).rejects.toMatchObject({ code: "READ_ONLY" });
      await expect(store.removeUser(decl!.id)).rejects.toMatchObject({ code: "READ_ONLY" });
      await expect(store.createCredential("decl", "key-auth")).rejects.toMatchObject({ code: "READ_ONLY" });
      await expect(store.createApp("decl", { name: "x" })).rejects.toMatchObject({ code: "READ_ONLY" });
      await expect(store.createCredential("stored", "key-auth", { keyId: "decl-key" })).rejects.toMatchObject({ code: "CONFLICT" });

      const creds = await store.listCredentials("decl");
      expect(creds.map((c) => [c.type, c.id, c.declared])).toEqual([
        ["key-auth", "decl-key", true],
        ["basic-auth", decl!.id, true],
      ]);
      await expect(store.setCredentialStatus("key-auth", "decl-key", false)).rejects.toMatchObject({ code: "READ_ONLY" });
      expect((await store.findAuthRecord("key-auth", "decl-key"))!.consumer.id).toBe(decl!.id);
      expect(await verifySecret((await store.findAuthRecord("basic-auth", "decl"))!.secretHash!, "p:w")).toBe(true);
    });

    it("counts the configuration's scopes as declared ones that cannot be removed", async () => {
      store.useDeclared(declaredConfig());
      await store.createScopes(["extra"]);
      expect(await store.listScopes()).toEqual([
        { name: "admin", declared: true },
        { name: "extra", declared: false },
        { name: "read", declared: true },
      ]);
      await expect(store.removeScope("admin")).rejects.toMatchObject({ code: "READ_ONLY" });
      await expect(store.createScopes(["read"])).rejects.toMatchObject({ code: "CONFLICT" });
      await store.createUser({ username: "gus" });
      // Stored credentials may use the configuration's scopes without creating them.
      await store.createCredential("gus", "key-auth", { scopes: ["admin"] });
    });

    it("replaces the declared set when the configuration changes, telling listeners", async () => {
      const changes: StoreChange[] = [];
      store.subscribe((c) => changes.push(c));
      const config = declaredConfig();
      store.useDeclared(config);
      store.useDeclared(config);
      expect(changes).toEqual([{ kind: "declared" }]);
      store.useDeclared({ consumers: [], apiEndpoints: {} });
      expect(await store.getUser("decl")).toBeUndefined();
      expect(changes).toHaveLength(2);
    });
  });

  it("tells listeners about its own writes before the write resolves", async () => {
    const changes: StoreChange[] = [];
    store.subscribe((c) => changes.push(c));
    const user = await store.createUser({ username: "hal" });
    expect(changes).toEqual([{ kind: "consumer", id: user.id }]);
    const cred = await store.createCredential("hal", "key-auth");
    expect(changes[1]).toEqual({ kind: "credential", type: "key-auth", id: cred.id, consumerId: user.id });
  });

  it("keeps usernames unique under concurrent creation", async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.createUser({ username: "race" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await store.listUsers()).total).toBe(1);
  });
});
