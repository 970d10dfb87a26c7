import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { loadApiDescription } from "@turnpike/core";
import { runTurnpike, spawnGateway, writeConfig } from "@turnpike/testing";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const petstore = path.join(repo, "packages/openapi/test/fixtures/petstore.yaml");
const temp: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-openapi-cli-"));
  temp.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

// Each test runs the CLI in child processes (the SDK test also two compiler runs).
jest.setTimeout(120_000);

/** A directory with the Petstore and a configuration serving it (mocked, validated, behind key-auth). */
function petstoreProject(extra: Record<string, unknown> = {}): string {
  const dir = tempDir();
  copyFileSync(petstore, path.join(dir, "petstore.yaml"));
  return writeConfig(
    {
      http: { port: 0, host: "127.0.0.1" },
      consumers: [{ username: "demo", credentials: [{ type: "key-auth", keyId: "demo", keySecret: "demo-secret" }] }],
      apiEndpoints: { pets: { openapi: "./petstore.yaml" }, health: { paths: ["/health", "/status/:check"], methods: ["GET"] } },
      pipelines: {
        pets: { apiEndpoints: ["pets"], policies: [{ "key-auth": {} }, { "openapi-validate": {} }, { mock: { from: "openapi" } }] },
        health: { apiEndpoints: ["health"], policies: [{ mock: { body: { ok: true } } }] },
      },
      ...extra,
    },
    "gateway.config.yml",
    dir,
  );
}

describe("turnpike openapi export", () => {
  it("prints the OpenAPI 3.1 document of what the gateway exposes, with auth policies as security schemes", async () => {
    const result = await runTurnpike(["openapi", "export", "-c", petstoreProject()]);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as Record<string, any>;
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBe("Swagger Petstore");
    expect(document.servers).toEqual([{ url: "http://127.0.0.1:0" }]);
    expect(Object.keys(document.paths).sort()).toEqual(["/health", "/status/{check}", "/v1/pets", "/v1/pets/{petId}"]);
    expect(document.paths["/v1/pets"].get.security).toEqual([{ "key-auth": [] }]);
    expect(document.paths["/health"].get.security).toBeUndefined();
    expect(document.paths["/status/{check}"].get.parameters).toEqual([
      { name: "check", in: "path", required: true, schema: { type: "string" } },
    ]);
    expect(document.components.securitySchemes["key-auth"]).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
    expect(document.paths["/v1/pets"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Pets",
    });
    // The exported document is itself a valid OpenAPI 3.1 document the gateway can load.
    const file = path.join(tempDir(), "exported.json");
    writeFileSync(file, result.stdout);
    const reloaded = await loadApiDescription(file);
    expect(reloaded.problems).toBeUndefined();
    expect(reloaded.description!.operations).toHaveLength(5);
  });

  it("prints the problems of a configuration whose document is broken", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "broken.yaml"), "swagger: '2.0'\ninfo: {}\npaths: {}\n");
    const file = writeConfig(
      { apiEndpoints: { a: { openapi: "./broken.yaml" } }, pipelines: { p: { apiEndpoints: ["a"], policies: [{ terminate: {} }] } } },
      "gateway.config.yml",
      dir,
    );
    const result = await runTurnpike(["openapi", "export", "-c", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("apiEndpoints.a.openapi: broken.yaml#: Swagger 2.0 documents are not supported");
  });
});

describe("turnpike openapi import", () => {
  it("writes a starter configuration that passes turnpike validate", async () => {
    const dir = tempDir();
    copyFileSync(petstore, path.join(dir, "petstore.yaml"));
    const output = path.join(dir, "gateway.config.yml");
    const result = await runTurnpike(["openapi", "import", path.join(dir, "petstore.yaml"), "-o", output]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("(3 operations)");
    const text = readFileSync(output, "utf8");
    expect(text).toContain("openapi: ./petstore.yaml");
    expect(text).toContain("url: http://petstore.swagger.io");
    expect(text).toMatch(/- openapi-validate: \{\}\n\s+- proxy:/);
    expect(await runTurnpike(["validate", "-c", output])).toMatchObject({ code: 0, stdout: "ok\n" });
    expect((await runTurnpike(["openapi", "import", path.join(dir, "petstore.yaml"), "-o", output])).code).toBe(1);
  });

  it("adds the auth policies the document's security schemes imply", async () => {
    const dir = tempDir();
    const document = {
      openapi: "3.1.0",
      info: { title: "Secured", version: "1" },
      servers: [{ url: "https://api.example.com/v2" }],
      components: {
        securitySchemes: {
          key: { type: "apiKey", in: "header", name: "X-API-Key" },
          bearer: { type: "http", scheme: "bearer" },
          basic: { type: "http", scheme: "basic" },
        },
      },
      security: [{ key: [] }],
      paths: {
        "/a": { get: { responses: { "200": { description: "ok" } } } },
        "/b": { get: { security: [{ bearer: [] }], responses: { "200": { description: "ok" } } } },
      },
    };
    writeFileSync(path.join(dir, "api.json"), JSON.stringify(document));
    const output = path.join(dir, "gateway.config.yml");
    const result = await runTurnpike(["openapi", "import", path.join(dir, "api.json"), "-o", output]);
    expect(result.code).toBe(0);
    const text = readFileSync(output, "utf8");
    expect(text).toMatch(/- key-auth:\n\s+apiKeyHeader: X-API-Key\n\s+disableHeadersScheme: true/);
    expect(text).toMatch(/- jwt:\n\s+secretOrPublicKey:/);
    expect(text).not.toContain("basic-auth");
    expect(result.stderr).toContain("note: jwt: set JWT_SECRET");
    expect(await runTurnpike(["validate", "-c", output])).toMatchObject({ code: 0 });
  });

  it("refuses a Swagger 2.0 document with a message saying so", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "old.json"), JSON.stringify({ swagger: "2.0", info: {}, paths: {} }));
    const result = await runTurnpike(["openapi", "import", path.join(dir, "old.json"), "-o", path.join(dir, "out.yml")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Swagger 2.0 documents are not supported");
  });
});

describe("turnpike sdk --lang typescript", () => {
  it("writes a client that compiles with tsc --strict and calls a running gateway", async () => {
    const configFile = petstoreProject();
    const gateway = await spawnGateway(configFile, { args: ["--no-watch"] });
    try {
      const dir = path.join(tempDir(), "client");
      const generated = await runTurnpike(["sdk", "--lang", "typescript", "-o", dir, "-c", configFile], { timeoutMs: 90_000 });
      expect(generated.code).toBe(0);
      // The client's dependencies (openapi-fetch, typescript) come from this repository's install.
      symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
      writeFileSync(
        path.join(dir, "call.ts"),
        [
          'import { createApiClient } from "./index.js";',
          "const api = createApiClient({ baseUrl: process.argv[2]!, headers: { authorization: 'apiKey demo:demo-secret' } });",
          'const list = await api.GET("/v1/pets", { params: { query: { limit: 10 } } });',
          'const one = await api.GET("/v1/pets/{petId}", { params: { path: { petId: "7" } } });',
          'const bad = await api.GET("/v1/pets", { params: { query: { limit: 500 } } });',
          "const name: string | undefined = one.data?.name;",
          "console.log(JSON.stringify({ list: list.data, name, badStatus: bad.response.status }));",
        ].join("\n"),
      );
      const tsconfig = JSON.parse(readFileSync(path.join(dir, "tsconfig.json"), "utf8")) as { include: string[] };
      tsconfig.include.push("call.ts");
      writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
      const tsc = path.join(repo, "node_modules/typescript/bin/tsc");
      const compiled = spawnSync(process.execPath, [tsc, "-p", dir, "--strict"], { encoding: "utf8" });
      expect(compiled.stdout + compiled.stderr).toBe("");
      expect(compiled.status).toBe(0);
      const run = spawnSync(process.execPath, [path.join(dir, "dist/call.js"), gateway.url], { encoding: "utf8", timeout: 20_000 });
      expect(run.stderr).toBe("");
      expect(JSON.parse(run.stdout)).toEqual({ list: [{ id: 0, name: "string", tag: "string" }], name: "string", badStatus: 400 });

      // The types are real: a call with a wrong parameter type does not compile.
      mkdirSync(path.join(dir, "wrong"));
      writeFileSync(
        path.join(dir, "call.ts"),
        'import { createApiClient } from "./index.js";\nawait createApiClient().GET("/v1/pets", { params: { query: { limit: "ten" } } });\n',
      );
      const wrong = spawnSync(process.execPath, [tsc, "-p", dir, "--strict", "--noEmit"], { encoding: "utf8" });
      expect(wrong.status).not.toBe(0);
      expect(wrong.stdout).toMatch(/call\.ts.*Type 'string' is not assignable to type 'number'/s);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
