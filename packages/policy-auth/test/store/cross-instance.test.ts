import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { CredentialCache } from "../../src/auth/credential-cache.js";
import { checkSecret, INVALID, type AuthSetup } from "../../src/auth/auth-setup.js";
import { resolveDeclared } from "../../src/auth/resolved-credential.js";
import { declaredConsumers, type ConsumerDirectory, type StoreChange } from "../../src/index.js";
import { redisKind, sqliteKind, type StoreKind } from "./store-fixtures.js";

/** Resolves with the next change `store` reports, or rejects after `withinMs` (the product's promise: 1 s). */
function nextChange(store: ConsumerDirectory, withinMs = 1000): Promise<StoreChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no change reported within ${withinMs} ms`));
    }, withinMs);
    const stop = store.subscribe((change) => {
      clearTimeout(timer);
      stop();
      resolve(change);
    });
  });
}

const kinds: [string, () => Promise<StoreKind>][] = [
  ["sqlite (two connections to one file)", async () => sqliteKind()],
  ["redis (two clients)", redisKind],
];

describe.each(kinds)("across instances: %s", (_name, make) => {
  let kind: StoreKind;
  beforeAll(async () => {
    kind = await make();
  });
  afterAll(() => kind.teardown());
  afterEach(() => kind.reset());

  it("a credential created on one instance authenticates on the other within 1 s, and a revocation stops it within 1 s", async () => {
    // The default poll interval (250 ms), as a gateway runs it.
    const a = kind.open({ pollIntervalMs: 250 });
    const b = kind.open({ pollIntervalMs: 250 });
    const setup: AuthSetup = {
      declared: resolveDeclared(declaredConsumers({ consumers: [], apiEndpoints: {} })),
      cache: new CredentialCache(b),
    };

    // b caches the key id as unknown before it exists.
    expect(await checkSecret(setup, "key-auth", "shared-key", "s3cret")).toBe(INVALID);

    const userSeen = nextChange(b);
    await a.createUser({ username: "xavier" });
    await userSeen;
    const created = nextChange(b);
    await a.createCredential("xavier", "key-auth", { keyId: "shared-key", keySecret: "s3cret" });
    expect(await created).toEqual({ kind: "external" });
    const ok = await checkSecret(setup, "key-auth", "shared-key", "s3cret");
    expect(ok).toMatchObject({ active: true, consumer: { username: "xavier" } });
    // Now served from b's cache without a store query or a slow hash.
    expect(checkSecret(setup, "key-auth", "shared-key", "s3cret")).toBe(ok);

    const revoked = nextChange(b);
    await a.setCredentialStatus("key-auth", "shared-key", false);
    await revoked;
    expect(await checkSecret(setup, "key-auth", "shared-key", "s3cret")).toBe(INVALID);
  });

  it("both instances see the same users, and uniqueness holds across them", async () => {
    const a = kind.open();
    const b = kind.open();
    const user = await a.createUser({ username: "yara" });
    expect(await b.getUser("yara")).toEqual(user);
    await expect(b.createUser({ username: "yara" })).rejects.toMatchObject({ code: "CONFLICT" });
    await b.removeUser("yara");
    expect(await a.getUser(user.id)).toBeUndefined();
  });
});
