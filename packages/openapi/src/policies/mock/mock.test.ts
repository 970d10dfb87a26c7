import { afterEach, describe, expect, it } from "@jest/globals";
import type { Gateway } from "@turnpike/core";
import request from "supertest";
import { openapiGateway } from "../../../test/helpers.js";

describe("mock", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  const start = async (document: string, policies: unknown[]) => {
    gw = await openapiGateway({ document, policies });
    return gw.app;
  };

  it("answers each operation from its documented examples, chosen by Prefer: example= and Accept", async () => {
    const app = await start("examples-3.1.yaml", [{ mock: { from: "openapi" } }]);
    const first = await request(app).get("/pets/1").expect(200);
    expect(first.body).toEqual({ id: 1, name: "Tom", kind: "cat" });
    expect(first.headers["content-type"]).toBe("application/json");
    expect(first.headers["x-rate-remaining"]).toBe("7");
    expect(first.headers.vary).toMatch(/accept/i);
    expect((await request(app).get("/pets/1").set("prefer", "example=rex").expect(200)).body).toEqual({ id: 2, name: "Rex", kind: "dog" });
    const xml = await request(app).get("/pets/1").set("accept", "application/xml").expect(200);
    expect([xml.headers["content-type"], xml.text]).toEqual(["application/xml", "<pet><id>1</id></pet>"]);
    await request(app).get("/pets/1").set("accept", "text/csv").expect(406);
    await request(app).get("/pets/1").set("prefer", "example=nobody").expect(404);
  });

  it("answers the status Prefer: code= names, and 404 for a status the operation does not document", async () => {
    const app = await start("examples-3.1.yaml", [{ mock: { from: "openapi" } }]);
    const missing = await request(app).get("/pets/1").set("prefer", "code=404").expect(404);
    expect([missing.headers["content-type"], missing.body]).toEqual(["application/problem+json", { title: "Not Found", status: 404 }]);
    const undocumented = await request(app).get("/pets/1").set("prefer", "code=418").expect(404);
    expect(undocumented.body.error).toMatchObject({
      code: "MOCK_NOT_DOCUMENTED",
      message: "No response 418 is documented for GET /pets/{id}",
    });
    await request(app).post("/pets").send({ id: 1, name: "ab" }).expect(201, "");
  });

  it("generates a value from the schema where no example is documented, the same every time", async () => {
    const app = await start("examples-3.1.yaml", [{ mock: { from: "openapi" } }]);
    const a = await request(app).get("/pets").expect(200);
    const b = await request(app).get("/pets").expect(200);
    expect(a.body).toEqual([{ id: 1, name: "string", born: "2026-01-01", tags: ["string"], status: "available" }]);
    expect(b.text).toBe(a.text);
  });

  it("runs the policies before it: validation refuses a bad request before the mock answers", async () => {
    const app = await start("examples-3.1.yaml", [{ "openapi-validate": {} }, { mock: { from: "openapi" } }]);
    await request(app)
      .get("/pets/abc")
      .expect(400, /path\.id: must be integer/);
    await request(app).post("/pets").send({ id: 0 }).expect(400);
    await request(app).get("/pets/3").expect(200);
  });

  it("answers the classic Petstore from generated values", async () => {
    const app = await start("petstore.yaml", [{ mock: { from: "openapi" } }]);
    expect((await request(app).get("/v1/pets/42").expect(200)).body).toEqual({ id: 0, name: "string", tag: "string" });
    expect((await request(app).get("/v1/pets").expect(200)).body).toEqual([{ id: 0, name: "string", tag: "string" }]);
  });

  it("answers a static response after the delay", async () => {
    const app = await start("petstore.yaml", [{ mock: { status: 202, headers: { "x-mock": "yes" }, body: { queued: true }, delay: 150 } }]);
    const started = Date.now();
    const res = await request(app).delete("/anything-under-the-endpoint").expect(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
    const mocked = await request(app).get("/v1/pets").expect(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect([mocked.headers["x-mock"], mocked.body]).toEqual(["yes", { queued: true }]);
  });

  it("refuses from: openapi with a body, and from: openapi in a pipeline without an OpenAPI endpoint", async () => {
    await expect(start("petstore.yaml", [{ mock: { from: "openapi", body: "x" } }])).rejects.toMatchObject({
      problems: [
        { path: "pipelines.api.policies[0].mock.body", message: expect.stringContaining("cannot be combined with from: openapi") },
      ],
    });
    const { createGateway, silentLogger } = await import("@turnpike/core");
    const plugin = (await import("../../index.js")).default;
    await expect(
      createGateway({
        logger: silentLogger,
        policies: [...plugin.policies!],
        config: {
          apiEndpoints: { a: { paths: ["/a"] } },
          pipelines: { p: { apiEndpoints: ["a"], policies: [{ mock: { from: "openapi" } }] } },
        },
      }),
    ).rejects.toMatchObject({
      problems: [
        {
          path: "pipelines.p.policies[0].mock",
          message: expect.stringContaining("mock needs an apiEndpoint defined by an OpenAPI document"),
        },
      ],
    });
  });
});
