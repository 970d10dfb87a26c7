import { describe, expect, it } from "@jest/globals";
import { describeApiEndpoints, loadConfig, type ConfigProblem } from "@turnpike/core";
import { exportDocument } from "../src/index.js";
import { FIXTURES } from "./helpers.js";

async function exported(config: Record<string, unknown>) {
  const loaded = await loadConfig(config, { baseDir: FIXTURES });
  const problems: ConfigProblem[] = [];
  const { apiEndpoints } = await describeApiEndpoints(loaded, problems);
  expect(problems).toEqual([]);
  return exportDocument({ ...loaded, apiEndpoints }) as Record<string, any>;
}

describe("exportDocument", () => {
  it("publishes 3.0 schemas in the 3.1 dialect, renames clashing components of a second document, and derives security schemes", async () => {
    const document = await exported({
      http: { port: 8080, host: "0.0.0.0" },
      apiEndpoints: {
        things: { openapi: "./dialect-3.0.yaml", basePath: "/things-api" },
        styles: { openapi: "./styles-3.1.yaml" },
        petsA: { openapi: "./petstore.yaml", basePath: "/a" },
        petsB: { openapi: "./petstore.yaml", basePath: "/b" },
        legacy: { paths: ["/legacy/*"], methods: ["GET"] },
      },
      pipelines: {
        things: { apiEndpoints: ["things", "styles"], policies: [{ "basic-auth": {} }, { terminate: {} }] },
        pets: {
          apiEndpoints: ["petsA", "petsB"],
          policies: [{ jwt: { secretOrPublicKey: "s", algorithms: ["HS256"] } }, { terminate: {} }],
        },
        legacy: { apiEndpoints: ["legacy"], policies: [{ terminate: {} }] },
      },
    });
    expect(document.servers).toEqual([{ url: "http://localhost:8080" }]);
    expect(document.info.title).toBe("Turnpike gateway");
    const thing = document.paths["/things-api/things"].post.requestBody.content["application/json"].schema;
    expect(thing.properties.name).toEqual({ type: ["string", "null"] });
    expect(thing.properties.weight).toEqual({ type: "number", exclusiveMinimum: 0 });
    // A discriminator is published as the document wrote it.
    expect(document.paths["/things-api/shapes"].post.requestBody.content["application/json"].schema.discriminator).toEqual({
      propertyName: "shape",
    });
    expect(document.paths["/b/pets"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/petsB_Pets",
    });
    expect(document.components.schemas.petsB_Pets.items).toEqual({ $ref: "#/components/schemas/petsB_Pet" });
    expect(document.components.securitySchemes).toEqual({
      "basic-auth": { type: "http", scheme: "basic" },
      jwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
    });
    expect(document.paths["/styles/query"].get.security).toEqual([{ "basic-auth": [] }]);
    expect(document.paths["/legacy/{path}"].get).toMatchObject({ parameters: [{ name: "path", in: "path", required: true }] });
    expect(document.paths["/legacy/{path}"].post).toBeUndefined();
  });

  it("publishes versions by path under their prefix", async () => {
    const document = await exported({
      versioning: { by: "path", default: "v2" },
      apiEndpoints: {
        v1: { openapi: "./petstore.yaml", version: "v1" },
        v2: { openapi: "./petstore.yaml", version: "v2" },
        ping: { paths: ["/ping"] },
      },
      pipelines: { p: { apiEndpoints: ["v1", "v2", "ping"], policies: [{ terminate: {} }] } },
    });
    expect(Object.keys(document.paths).sort()).toEqual([
      "/ping",
      "/v1/v1/pets",
      "/v1/v1/pets/{petId}",
      "/v2/v1/pets",
      "/v2/v1/pets/{petId}",
    ]);
  });
});
