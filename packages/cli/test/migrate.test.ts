import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  runTurnpike,
  spawnGateway,
  startRedis,
  startUpstream,
  type GatewayProcess,
  type TestRedis,
  type TestUpstream,
} from "@turnpike/testing";
import jwt from "jsonwebtoken";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { copyProject, expressGateway, runWithEgServices, type ExpressGateway } from "./support/express-gateway.js";

/** What the Express Gateway services wrote (their answers, secrets included). */
interface EgData {
  alice: { id: string };
  bob: { id: string };
  aliceKey: { keyId: string; keySecret: string };
  revokedKey: { keyId: string; keySecret: string };
  bobKey: { keyId: string; keySecret: string };
  appKey: { keyId: string; keySecret: string };
  app: { id: string };
  aliceJwt: { keyId: string };
}

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

let eg: ExpressGateway;
let redis: TestRedis;
let upstream: TestUpstream;

beforeAll(async () => {
  [eg, redis, upstream] = await Promise.all([expressGateway(), startRedis(), startUpstream()]);
}, 600_000);

afterAll(async () => {
  await Promise.all([redis?.stop(), upstream?.close()]);
});

/**
 * The project Express Gateway's CLI generated, edited as its Getting Started guide and an operator
 * would: key-auth uncommented, a local upstream, Redis instead of emulation, more pipelines.
 */
function editProject(project: string): void {
  const configDir = path.join(project, "config");
  mkdirSync(path.join(configDir, "keys"));
  writeFileSync(path.join(configDir, "keys", "issuer.pem"), publicKey.export({ type: "spki", format: "pem" }));

  const gatewayFile = path.join(configDir, "gateway.config.yml");
  const gateway = readFileSync(gatewayFile, "utf8")
    .replace("# - key-auth:", "  - key-auth:")
    .replace("port: 8080", "port: 0")
    .replace("port: 9876", "port: 0")
    .replace("'https://httpbin.org'", `'${upstream.url}'`)
    .replace("host: localhost\n    paths: '/ip'", "host: '*'\n    paths: '/ip'");
  const doc = parseDocument(gateway);
  (doc.get("policies") as { add(v: unknown): void }).add("jwt");
  doc.setIn(["apiEndpoints", "basic"], doc.createNode({ paths: "/basic" }));
  doc.setIn(["apiEndpoints", "token"], doc.createNode({ paths: "/token" }));
  doc.setIn(["apiEndpoints", "script"], doc.createNode({ paths: "/script" }));
  doc.setIn(["apiEndpoints", "login"], doc.createNode({ paths: "/login" }));
  const proxy = { proxy: [{ action: { serviceEndpoint: "httpbin" } }] };
  doc.setIn(["pipelines", "basic"], doc.createNode({ apiEndpoints: ["basic"], policies: [{ "basic-auth": null }, proxy] }));
  doc.setIn(
    ["pipelines", "token"],
    doc.createNode({
      apiEndpoints: ["token"],
      policies: [{ jwt: [{ action: { secretOrPublicKeyFile: "config/keys/issuer.pem" } }] }, proxy],
    }),
  );
  doc.setIn(
    ["pipelines", "script"],
    doc.createNode({ apiEndpoints: ["script"], policies: [{ expression: [{ action: { jscode: "req.url = '/elsewhere'" } }] }, proxy] }),
  );
  doc.setIn(["pipelines", "login"], doc.createNode({ apiEndpoints: ["login"], policies: [{ oauth2: null }, proxy] }));
  writeFileSync(gatewayFile, doc.toString());

  const systemFile = path.join(configDir, "system.config.yml");
  const system = readFileSync(systemFile, "utf8")
    .replace("emulate: true", `emulate: false\n    host: 127.0.0.1\n    port: ${redis.port}`)
    .replace("#plugins:", "plugins:\n  express-gateway-plugin-example: {}\n#plugins:");
  writeFileSync(systemFile, system);
}

// Written through Express Gateway's own services, exactly as its admin API and CLI write them.
const WRITE_DATA = `
  const { user, application, credential } = services;
  await credential.insertScopes(['read', 'admin']);
  const alice = await user.insert({ username: 'alice', firstname: 'Alice', lastname: 'Liddell', email: 'alice@example.com' });
  const bob = await user.insert({ username: 'bob', firstname: 'Bob', lastname: 'Builder' });
  const app = await application.insert({ name: 'alice-app' }, alice.id);
  const aliceKey = await credential.insertCredential(alice.id, 'key-auth', { scopes: ['read'] });
  const revokedKey = await credential.insertCredential(alice.id, 'key-auth', {});
  await credential.deactivateCredential(revokedKey.keyId, 'key-auth');
  await credential.insertCredential(alice.id, 'basic-auth', { password: 'alice-password', scopes: ['read'] });
  const bobKey = await credential.insertCredential(bob.id, 'key-auth', {});
  await user.deactivate(bob.id);
  const appKey = await credential.insertCredential(app.id, 'key-auth', {});
  await credential.insertCredential(app.id, 'oauth2', { secret: 'app-secret' });
  const aliceJwt = await credential.insertCredential(alice.id, 'jwt', {});
  console.log(JSON.stringify({ alice, bob, app, aliceKey, revokedKey, bobKey, appKey, aliceJwt }));
`;

describe("turnpike migrate", () => {
  let project: string;
  let data: EgData;
  let out: string;
  let migrated: { code: number | null; stdout: string; stderr: string };
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    project = copyProject(eg);
    editProject(project);
    data = JSON.parse(await runWithEgServices(eg, project, WRITE_DATA)) as EgData;
    out = path.join(path.dirname(project), "turnpike");
    migrated = await runTurnpike(["migrate", project, "-o", out], { timeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it("reports what it converted, changed and refused, with the lines they came from", () => {
    const report = migrated.stdout;
    expect(migrated.stderr).toBe("");
    // Refusals make the exit code 1 (the output is written anyway).
    expect(migrated.code).toBe(1);
    const gatewayLines = readFileSync(path.join(project, "config", "gateway.config.yml"), "utf8").split("\n");
    const pipelines = gatewayLines.indexOf("pipelines:");
    // 1-based line of the first line containing `text` (below `pipelines:` when asked).
    const lineOf = (text: string, inPipelines = false): number =>
      gatewayLines.findIndex((l, i) => l.includes(text) && (!inPipelines || i > pipelines)) + 1;
    expect(report).toMatch(/^converted:$/m);
    expect(report).toContain(`gateway.config.yml:${lineOf("  default:", true)}: pipeline default`);
    expect(report).toMatch(/system\.config\.yml:\d+: db\.redis → redis: \{ url: redis:\/\/127\.0\.0\.1:\d+ \}/);
    expect(report).toMatch(/gateway\.config\.yml:\d+: jwt: added algorithms: \[RS256, RS384, RS512, PS256, PS384, PS512\]/);
    expect(report).toContain("jwt secretOrPublicKeyFile config/keys/issuer.pem → ../eg-project/config/keys/issuer.pem");
    expect(report).toContain(`gateway.config.yml:${lineOf("- expression")}: policies: expression removed from the allow-list`);
    expect(report).toMatch(
      new RegExp(
        `refused:[^]*gateway\\.config\\.yml:${lineOf("  script:", true)}: pipeline script left out .*policy expression: runs JavaScript`,
      ),
    );
    expect(report).toMatch(
      new RegExp(
        `gateway\\.config\\.yml:${lineOf("  login:", true)}: pipeline login left out .*policy oauth2: Turnpike is not an OAuth2 authorization server`,
      ),
    );
    expect(report).toMatch(/system\.config\.yml:\d+: plugin express-gateway-plugin-example: Express Gateway plugins .* do not load/);
    expect(report).toContain(`oauth2 credential of consumer ${data.app.id}: Turnpike has no OAuth2 authorization server`);
    expect(report).toMatch(/data: imported into redis \(prefix turnpike:\): 2 scopes, 2 users, 1 app, 6 credentials/);
    expect(report).toMatch(/\d+ converted, \d+ changed, 4 refused$/m);
  });

  it("writes a file Turnpike validates, keeping the rest as it was", async () => {
    const file = path.join(out, "gateway.config.yml");
    expect(await runTurnpike(["validate", "-c", file])).toMatchObject({ code: 0 });
    const text = readFileSync(file, "utf8");
    expect(text).toContain("# Uncomment `key-auth:` when instructed to in the Getting Started guide.");
    expect(text).not.toMatch(/expression|oauth2/);
    expect(text).toContain(`url: redis://127.0.0.1:${redis.port}`);
  }, 120_000);

  it("serves the migrated consumers with their Express Gateway secrets, ids and statuses", async () => {
    gateway = await spawnGateway(path.join(out, "gateway.config.yml"), { args: ["--no-watch"] });
    const get = (route: string, headers: Record<string, string>): Promise<Response> => fetch(`${gateway!.url}${route}`, { headers });
    const apiKey = (key: { keyId: string; keySecret: string }): Record<string, string> => ({
      authorization: `apiKey ${key.keyId}:${key.keySecret}`,
    });

    const ok = await get("/ip", apiKey(data.aliceKey));
    expect(ok.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(seen.headers["x-consumer-id"]).toBe(data.alice.id);
    expect(seen.headers["x-consumer-username"]).toBe("alice");
    expect((await get("/ip", apiKey(data.appKey))).status).toBe(200);
    expect(upstream.requests.at(-1)!.headers["x-consumer-username"]).toBe("alice-app");
    expect((await get("/ip", apiKey({ ...data.aliceKey, keySecret: "wrong" }))).status).toBe(401);
    expect((await get("/ip", apiKey(data.revokedKey))).status).toBe(401);
    expect((await get("/ip", apiKey(data.bobKey))).status).toBe(401);

    const basic = (user: string, password: string): Record<string, string> => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
    });
    expect((await get("/basic", basic("alice", "alice-password"))).status).toBe(200);
    expect((await get("/basic", basic("alice", "alice-passwore"))).status).toBe(401);

    const token = jwt.sign({ sub: data.aliceJwt.keyId }, privateKey, { algorithm: "RS256", expiresIn: 60 });
    expect((await get("/token", { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get("/script", {})).status).toBe(404);
    expect((await get("/login", {})).status).toBe(404);
  }, 120_000);

  it("imports nothing twice when run again", async () => {
    const again = await runTurnpike(["migrate", project, "-o", out, "--force"], { timeoutMs: 60_000 });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/data: imported into redis \(prefix turnpike:\): nothing new/);
    expect(again.stdout).toContain("data: user alice: already imported");
    expect(again.stdout).toContain(`data: key-auth credential ${data.aliceKey.keyId}: already imported`);
  }, 120_000);
});

describe("turnpike migrate on a project as Express Gateway generated it", () => {
  it("converts the emulated template without refusals, and Turnpike validates the result", async () => {
    const project = copyProject(eg);
    const result = await runTurnpike(["migrate", project], { timeoutMs: 60_000 });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/db\.redis\.emulate: Express Gateway kept its data in memory/);
    expect(result.stdout).toMatch(/0 refused$/m);
    expect(await runTurnpike(["validate", "-c", path.join(project, "turnpike", "gateway.config.yml")])).toMatchObject({ code: 0 });
    expect(await runTurnpike(["migrate", project])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/exists \(--force overwrites it\)/),
    });
  }, 120_000);

  it("refuses a directory that is not an Express Gateway project", async () => {
    const result = await runTurnpike(["migrate", path.dirname(eg.project)]);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/no gateway\.config\.yml in/) });
    expect(await runTurnpike(["migrate"])).toMatchObject({ code: 2 });
  }, 120_000);
});
