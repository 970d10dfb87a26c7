import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGateway, silentLogger, type AdminServer, type Gateway } from "@turnpike/core";
import { startAdmin } from "@turnpike/admin";
import { runCli, type CommandIO } from "@turnpike/cli";

const TOKEN = "cli-test-token-5c4b3a";
let dataDir: string;
let gateway: Gateway;
let admin: AdminServer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "turnpike-cli-admin-"));
  gateway = await createGateway({
    logger: silentLogger,
    baseDir: dataDir,
    config: {
      admin: { port: 0, host: "127.0.0.1", token: TOKEN, dataDir },
      consumers: [{ username: "declared-dan", credentials: [{ type: "key-auth", keyId: "dan-key", keySecret: "dan-secret-xyz" }] }],
      apiEndpoints: { api: { paths: ["/api/*"], scopes: ["reports"] } },
      serviceEndpoints: { nowhere: { url: "http://127.0.0.1:9" } },
      pipelines: { api: { apiEndpoints: ["api"], policies: [{ proxy: { serviceEndpoint: "nowhere" } }] } },
    },
  });
  admin = await startAdmin(gateway);
});
afterAll(async () => {
  await admin?.close();
  await gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the CLI in-process against the test admin API; env carries URL and token unless overridden. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = { TURNPIKE_ADMIN_URL: admin.url, TURNPIKE_ADMIN_TOKEN: TOKEN },
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd: dataDir };
  const code = await runCli(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("turnpike users", () => {
  it("creates, lists (table), shows, updates and removes users", async () => {
    const created = await cli(["users", "create", "erin", "--firstname", "Erin", "--email", "erin@example.com", "-p", "lastname=Ek"]);
    expect(created).toMatchObject({ code: 0, err: "" });
    expect(created.out).toContain("created user erin");
    expect(created.out).toMatch(/firstname:\s+Erin/);

    const list = await cli(["users", "list"]);
    expect(list.code).toBe(0);
    const lines = list.out.split("\n");
    expect(lines[0]).toMatch(/^ID\s+USERNAME\s+NAME\s+EMAIL\s+ACTIVE\s+SOURCE$/);
    expect(lines.find((l) => l.includes(" erin "))).toMatch(/erin\s+Erin Ek\s+erin@example\.com\s+yes\s+api$/);
    expect(lines.find((l) => l.includes("declared-dan"))).toMatch(/yes\s+config$/);

    const id = (await cli(["users", "info", "erin", "-q"])).out.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cli(["users", "info", id, "--json"])).out).toContain('"username": "erin"');
    expect((await cli(["users", "update", "erin", "--firstname", "Erinn"])).out).toMatch(/firstname:\s+Erinn/);
    expect((await cli(["users", "deactivate", "erin"])).out).toBe("erin: deactivated");
    expect((await cli(["users", "activate", "erin"])).out).toBe("erin: activated");
    expect(await cli(["users", "remove", "erin"])).toMatchObject({ code: 0, out: "removed user erin" });
  });

  it("exits 1 with the API's message on API errors", async () => {
    const missing = await cli(["users", "info", "nobody-here"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^turnpike users: No user with id or username "nobody-here" \(HTTP 404 RESOURCE_NOT_FOUND\)$/);
    await cli(["users", "create", "twice"]);
    const dup = await cli(["users", "create", "twice"]);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain("HTTP 409 CONFLICT");
    const readOnly = await cli(["users", "remove", "declared-dan"]);
    expect(readOnly.code).toBe(1);
    expect(readOnly.err).toContain("HTTP 409");
  });

  it("exits 2 with the usage on usage errors", async () => {
    for (const args of [
      ["users"],
      ["users", "explode"],
      ["users", "create"],
      ["users", "info"],
      ["users", "list", "--bogus"],
      ["users", "update", "x"],
    ]) {
      const res = await cli(args);
      expect(res.code).toBe(2);
      expect(res.err).toContain("usage: turnpike users");
    }
  });

  it("exits 1 with a clear message for a wrong token or an unreachable admin API", async () => {
    const wrong = await cli(["users", "list", "--token", "wrong"]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("HTTP 401");
    expect(wrong.err).not.toContain(TOKEN);
    const down = await cli(["users", "list", "--admin-url", "http://127.0.0.1:9"], {});
    expect(down.code).toBe(1);
    expect(down.err).toContain("cannot reach the admin API at http://127.0.0.1:9");
    expect((await cli(["users", "list", "--admin-url", "not a url"], {})).code).toBe(2);
  });
});

describe("turnpike credentials and scopes", () => {
  it("creates a key (secret printed once), lists it without the secret, revokes and re-activates it", async () => {
    await cli(["users", "create", "fay"]);
    const created = await cli(["credentials", "create", "-c", "fay", "-t", "key-auth"]);
    expect(created.code).toBe(0);
    const keyId = /keyId:\s+(\S+)/.exec(created.out)![1]!;
    const keySecret = /keySecret:\s+(\S+)/.exec(created.out)![1]!;
    expect(created.out).toContain("shown only now");

    const quiet = await cli(["credentials", "create", "-c", "fay", "-q"]);
    expect(quiet.out).toMatch(/^[^:\s]+:\S+$/);

    const list = await cli(["credentials", "list", "-c", "fay"]);
    expect(list.out.split("\n")[0]).toMatch(/^TYPE\s+ID\s+CONSUMER\s+SCOPES\s+ACTIVE\s+SOURCE$/);
    expect(list.out).toContain(keyId);
    expect(list.out).not.toContain(keySecret);
    expect((await cli(["credentials", "list", "--json"])).out).not.toContain(keySecret);

    expect((await cli(["credentials", "revoke", keyId])).out).toBe(`key-auth ${keyId}: deactivated`);
    expect((await cli(["credentials", "info", keyId])).out).toMatch(/isActive:\s+false/);
    expect((await cli(["credentials", "list", "-c", "fay", "-f", "inactive", "-q"])).out).toBe(keyId);
    expect((await cli(["credentials", "activate", keyId])).out).toBe(`key-auth ${keyId}: activated`);
    const missing = await cli(["credentials", "revoke", "no-such-key"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("HTTP 404");
  });

  it("manages scopes and credential scopes", async () => {
    expect(await cli(["scopes", "create", "reports", "exports"])).toMatchObject({ code: 1 });
    expect(await cli(["scopes", "create", "exports", "audits"])).toMatchObject({ code: 0, out: "created scopes exports, audits" });
    const list = await cli(["scopes", "list"]);
    expect(list.out.split("\n")).toEqual(expect.arrayContaining(["audits", "exports", "reports"]));
    expect((await cli(["scopes", "info", "audits"])).out).toBe("audits");
    expect((await cli(["scopes", "info", "nope"])).code).toBe(1);

    await cli(["users", "create", "gus"]);
    const keyId = (await cli(["credentials", "create", "-c", "gus", "-s", "exports", "-q"])).out.split(":")[0]!;
    expect((await cli(["credentials", "scopes", keyId, "--add", "audits,reports"])).out).toBe(
      `key-auth ${keyId}: scopes exports,audits,reports`,
    );
    expect((await cli(["credentials", "scopes", keyId, "--remove", "exports"])).out).toBe(`key-auth ${keyId}: scopes audits,reports`);
    expect((await cli(["credentials", "scopes", keyId, "--set", "exports"])).out).toBe(`key-auth ${keyId}: scopes exports`);
    expect((await cli(["scopes", "remove", "audits"])).out).toBe("removed scope audits");
    expect((await cli(["scopes", "remove", "reports"])).code).toBe(1);
  });

  it("exits 2 for credentials usage errors", async () => {
    for (const args of [
      ["credentials", "create"],
      ["credentials", "create", "-c", "x", "-t", "oauth2"],
      ["credentials", "revoke"],
      ["credentials", "scopes", "k"],
      ["scopes", "create"],
    ]) {
      expect((await cli(args)).code).toBe(2);
    }
  });
});
