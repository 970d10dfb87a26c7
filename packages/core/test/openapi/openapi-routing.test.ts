import { afterEach, describe, expect, it, jest } from "@jest/globals";
import {
  checkConfig,
  compileMatcher,
  createGateway,
  definePolicy,
  loadApiDescription,
  silentLogger,
  watchConfig,
  type Gateway,
} from "@turnpike/core";
import { writeFileSync } from "node:fs";
import path from "node:path";
import request from "supertest";
import { largeDocument, writeFiles } from "./support.js";

const ok = { "200": { description: "ok" } };

/** Answers with what the matcher put in res.locals.turnpike. */
const reportOperation = definePolicy({
  name: "report-operation",
  schema: { type: "object", properties: {} },
  create: () =>
    function report(req, res) {
      const { operation, apiEndpoint, route } = res.locals.turnpike;
      res.json({
        endpoint: apiEndpoint.name,
        route,
        url: req.url,
        operation: operation && {
          operationId: operation.operationId,
          template: operation.template,
          params: operation.params,
          security: operation.security,
        },
      });
    },
});

const petstore = {
  openapi: "3.0.3",
  info: { title: "pets", version: "1" },
  servers: [{ url: "http://pets.example.com/api/v1" }],
  security: [{ apiKey: [] }],
  paths: {
    "/pets": { get: { operationId: "listPets", responses: ok }, post: { operationId: "createPet", responses: ok } },
    "/pets/{petId}": {
      get: { operationId: "showPetById", responses: ok },
      delete: { operationId: "deletePet", security: [], responses: ok },
    },
    "/pets/mine": { get: { operationId: "myPets", security: [{ oauth: ["read", "write"] }], responses: ok } },
    "/files/{name}.{ext}": { get: { operationId: "file", responses: ok } },
    "/raw/{+path}": { get: { operationId: "raw", responses: ok } },
    "/": { get: { operationId: "root", responses: ok } },
  },
};

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function gatewayFor(apiEndpoints: Record<string, unknown>, files: Record<string, object | string> = { "pets.json": petstore }) {
  const dir = writeFiles(files);
  const gw = await createGateway({
    logger: silentLogger,
    policies: [reportOperation],
    baseDir: dir,
    config: { apiEndpoints, pipelines: { api: { apiEndpoints: Object.keys(apiEndpoints), policies: [{ "report-operation": {} }] } } },
  });
  gateways.push(gw);
  return { gw, dir };
}

describe("apiEndpoints defined by an OpenAPI document", () => {
  it("routes each operation under the first server's path, literal segments before templates, with the operation in res.locals", async () => {
    const { gw } = await gatewayFor({ pets: { openapi: "./pets.json" } });
    const mine = await request(gw.app).get("/api/v1/pets/mine").expect(200);
    expect(mine.body.operation).toEqual({
      operationId: "myPets",
      template: "/pets/mine",
      params: {},
      security: [{ oauth: ["read", "write"] }],
    });
    const one = await request(gw.app).get("/api/v1/pets/a%20b").expect(200);
    expect(one.body).toMatchObject({
      route: "/api/v1/pets/{petId}",
      operation: { operationId: "showPetById", template: "/pets/{petId}", params: { petId: "a b" }, security: [{ apiKey: [] }] },
    });
    expect((await request(gw.app).delete("/api/v1/pets/7").expect(200)).body.operation).toMatchObject({
      operationId: "deletePet",
      security: [],
    });
    expect((await request(gw.app).post("/api/v1/pets").expect(200)).body.operation.operationId).toBe("createPet");
    expect((await request(gw.app).get("/api/v1/files/report.tar.gz").expect(200)).body.operation).toMatchObject({
      operationId: "file",
      params: { name: "report", ext: "tar.gz" },
    });
    expect((await request(gw.app).get("/api/v1/raw/a/b/c").expect(200)).body.operation.params).toEqual({ path: "a/b/c" });
    expect((await request(gw.app).get("/api/v1").expect(200)).body.operation.operationId).toBe("root");
    await request(gw.app).head("/api/v1/pets").expect(200);
    // A path the document has, with a method it does not: 404 like any other endpoint.
    await request(gw.app).put("/api/v1/pets").expect(404);
    await request(gw.app).get("/pets").expect(404);
    await request(gw.app).get("/api/v1/pets/1/extra").expect(404);
  });

  it("serves under an explicit basePath, beside ordinary endpoints in configuration order", async () => {
    const { gw } = await gatewayFor({
      health: { paths: ["/pets-api/health"] },
      pets: { openapi: "./pets.json", basePath: "/pets-api" },
      rest: { paths: ["/*"] },
    });
    expect((await request(gw.app).get("/pets-api/pets").expect(200)).body.operation.operationId).toBe("listPets");
    expect((await request(gw.app).get("/pets-api/health").expect(200)).body).toMatchObject({ endpoint: "health" });
    expect((await request(gw.app).get("/pets-api/unknown").expect(200)).body).toMatchObject({ endpoint: "rest" });
    expect((await request(gw.app).get("/api/v1/pets").expect(200)).body).toMatchObject({ endpoint: "rest" });
  });

  it("reports document problems, a basePath clash and openapi combined with paths, each with its location", async () => {
    const dir = writeFiles({
      "pets.json": petstore,
      "broken.yaml":
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n",
      "swagger.json": { swagger: "2.0", info: {}, paths: {} },
    });
    const { problems } = await checkConfig(
      {
        apiEndpoints: {
          pets: { openapi: "./pets.json" },
          again: { openapi: "./pets.json", host: "*" },
          other: { openapi: "./pets.json", host: "other.example.com", basePath: "/api/v1" },
          broken: { openapi: "./broken.yaml" },
          old: { openapi: "./swagger.json" },
          both: { openapi: "./pets.json", paths: ["/x"], basePath: "/both" },
          plain: { paths: ["/y"], basePath: "/y" },
        },
        pipelines: { api: { apiEndpoints: ["pets", "again", "other", "broken", "old", "both", "plain"], policies: [{ terminate: {} }] } },
      },
      { baseDir: dir },
    );
    expect(problems).toEqual([
      { path: "apiEndpoints.both.paths", message: "cannot be combined with openapi (the document's operations are the routes)" },
      { path: "apiEndpoints.plain.basePath", message: "applies only with openapi" },
    ]);
    // Without the structural mistakes, the documents are loaded and checked.
    const second = await checkConfig(
      {
        apiEndpoints: {
          pets: { openapi: "./pets.json" },
          again: { openapi: "./pets.json", host: "*" },
          other: { openapi: "./pets.json", host: "other.example.com", basePath: "/api/v1" },
          broken: { openapi: "./broken.yaml" },
          old: { openapi: "./swagger.json" },
        },
        pipelines: { api: { apiEndpoints: ["pets", "again", "other", "broken", "old"], policies: [{ terminate: {} }] } },
      },
      { baseDir: dir },
    );
    expect(second.problems).toEqual([
      {
        path: "apiEndpoints.again.openapi",
        message:
          "base path /api/v1 is already served by apiEndpoints.pets on the same host; give one of them another basePath, host or version",
      },
      {
        path: "apiEndpoints.other.openapi",
        message:
          "base path /api/v1 is already served by apiEndpoints.pets on the same host; give one of them another basePath, host or version",
      },
      {
        path: "apiEndpoints.broken.openapi",
        message: expect.stringMatching(/^broken\.yaml#\/paths\/~1a\/get\/responses\/200: Missing \$ref pointer/),
      },
      { path: "apiEndpoints.old.openapi", message: expect.stringMatching(/^swagger\.json#: Swagger 2\.0 documents are not supported/) },
    ]);
  });

  it("serves two versions of a document under one base path (the version tells them apart)", async () => {
    const dir = writeFiles({ "pets.json": petstore });
    const gw = await createGateway({
      logger: silentLogger,
      policies: [reportOperation],
      baseDir: dir,
      config: {
        versioning: { by: "header", default: "v2" },
        apiEndpoints: { petsV1: { openapi: "./pets.json", version: "v1" }, petsV2: { openapi: "./pets.json", version: "v2" } },
        pipelines: { api: { apiEndpoints: ["petsV1", "petsV2"], policies: [{ "report-operation": {} }] } },
      },
    });
    gateways.push(gw);
    expect((await request(gw.app).get("/api/v1/pets").set("accept-version", "v1").expect(200)).body.endpoint).toBe("petsV1");
    expect((await request(gw.app).get("/api/v1/pets").expect(200)).body.endpoint).toBe("petsV2");
  });

  it("checks the docs key: the admin listener it names must exist", async () => {
    const { problems } = await checkConfig({
      docs: { path: "/docs", listener: "admin" },
      apiEndpoints: { a: { paths: ["/a"] } },
      pipelines: { p: { apiEndpoints: ["a"], policies: [{ terminate: {} }] } },
    });
    expect(problems).toEqual([{ path: "docs.listener", message: "admin needs the admin: listener" }]);
  });

  it("picks up an edited document on reload, and keeps serving the old one when the edit is broken", async () => {
    const dir = writeFiles({ "pets.json": petstore });
    const configFile = path.join(dir, "gateway.config.yml");
    writeFileSync(
      configFile,
      JSON.stringify({
        apiEndpoints: { pets: { openapi: "./pets.json" } },
        pipelines: { api: { apiEndpoints: ["pets"], policies: [{ "report-operation": {} }] } },
      }),
    );
    const gw = await createGateway({ logger: silentLogger, policies: [reportOperation], config: configFile });
    gateways.push(gw);
    const reloads: boolean[] = [];
    let reloaded!: () => void;
    const stop = watchConfig(gw, configFile, {
      debounceMs: 20,
      onReload: (r) => {
        reloads.push(r.ok);
        reloaded();
      },
    });
    try {
      await request(gw.app).get("/api/v1/owners").expect(404);
      let next = new Promise<void>((r) => (reloaded = r));
      writeFileSync(
        path.join(dir, "pets.json"),
        JSON.stringify({ ...petstore, paths: { ...petstore.paths, "/owners": { get: { operationId: "owners", responses: ok } } } }),
      );
      await next;
      expect((await request(gw.app).get("/api/v1/owners").expect(200)).body.operation.operationId).toBe("owners");

      next = new Promise<void>((r) => (reloaded = r));
      writeFileSync(path.join(dir, "pets.json"), "{ not json");
      await next;
      expect(reloads).toEqual([true, false]);
      await request(gw.app).get("/api/v1/owners").expect(200);
    } finally {
      stop();
    }
  });

  it("tests a bounded number of rules per lookup, however many operations the document has", async () => {
    const dir = writeFiles({ "small.json": largeDocument(3), "large.json": largeDocument(2000) });
    const execs = async (file: string, paths: string[]): Promise<number> => {
      const api = (await loadApiDescription(path.join(dir, file))).description!;
      const endpoint = { name: "api", paths: [], scopes: [], path: "apiEndpoints.api", api };
      const matcher = compileMatcher([{ endpoint, target: "api" }]);
      const spy = jest.spyOn(RegExp.prototype, "exec");
      try {
        for (const p of paths) expect(matcher.match("h", "GET", p)?.operation).toBeDefined();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };
    const paths = ["/r1", "/r2/abc", "/r0/x/items/5"];
    const small = await execs("small.json", paths);
    const large = await execs("large.json", paths);
    expect(large.valueOf()).toBe(small);
    expect(large).toBeLessThanOrEqual(paths.length);
  });
});
