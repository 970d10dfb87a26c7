import { afterEach, describe, expect, it } from "@jest/globals";
import { checkConfig, createGateway, definePolicy, silentLogger, type Gateway } from "@turnpike/core";
import request from "supertest";

/** Answers with the version, endpoint and path the request was routed with. */
const report = definePolicy({
  name: "report-version",
  schema: { type: "object", properties: {} },
  create: () =>
    function reportVersion(req, res) {
      const state = res.locals.turnpike;
      res.json({ version: state.version ?? null, endpoint: state.apiEndpoint.name, path: state.path, url: req.url });
    },
});

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function gatewayWith(versioning: Record<string, unknown>, endpoints: Record<string, unknown>) {
  const gw = await createGateway({
    logger: silentLogger,
    policies: [report],
    config: {
      versioning,
      apiEndpoints: endpoints,
      pipelines: { api: { apiEndpoints: Object.keys(endpoints), policies: [{ "report-version": {} }] } },
    },
  });
  gateways.push(gw);
  return gw.app;
}

const petsV1 = {
  paths: ["/pets", "/pets/:id"],
  version: "v1",
  deprecated: { since: "2026-11-01", sunset: "2099-06-30", link: "https://example.com/v1-sunset" },
};
const petsV2 = { paths: ["/pets", "/pets/:id", "/owners"], version: "v2" };

describe("versions", () => {
  it("by path: the /v1 prefix picks the version and is stripped before forwarding; no prefix gets the default", async () => {
    const app = await gatewayWith({ by: "path", default: "v2" }, { petsV1, petsV2, health: { paths: ["/health"] } });
    expect((await request(app).get("/v1/pets/7?x=1").expect(200)).body).toEqual({
      version: "v1",
      endpoint: "petsV1",
      path: "/pets/7",
      url: "/pets/7?x=1",
    });
    expect((await request(app).get("/v2/pets").expect(200)).body).toMatchObject({ version: "v2", endpoint: "petsV2", url: "/pets" });
    expect((await request(app).get("/pets").expect(200)).body).toMatchObject({ version: "v2", endpoint: "petsV2", url: "/pets" });
    // An endpoint without a version serves every version.
    expect((await request(app).get("/health").expect(200)).body).toMatchObject({ endpoint: "health" });
    const unknown = await request(app).get("/v3/pets").expect(404);
    expect(unknown.body.error).toEqual({
      status: 404,
      code: "UNKNOWN_VERSION",
      message: 'Version "v3" of /pets does not exist; versions of /pets: v1, v2',
    });
    const notInV1 = await request(app).get("/v1/owners").expect(404);
    expect(notInV1.body.error.message).toBe('Version "v1" of /owners does not exist; versions of /owners: v2');
    await request(app)
      .get("/v2/nothing")
      .expect(404, /NOT_FOUND/);
  });

  it("keeps the prefix for an endpoint with stripVersion: false", async () => {
    const app = await gatewayWith({ by: "path" }, { legacy: { paths: ["/items"], version: "v1", stripVersion: false } });
    expect((await request(app).get("/v1/items").expect(200)).body).toMatchObject({ path: "/v1/items", url: "/v1/items" });
  });

  it("by header, and 400 for a request without a version when there is no default", async () => {
    const app = await gatewayWith({ by: "header" }, { petsV1, petsV2 });
    expect((await request(app).get("/pets").set("accept-version", "v1").expect(200)).body).toMatchObject({ version: "v1", url: "/pets" });
    const missing = await request(app).get("/pets").expect(400);
    expect(missing.body.error).toEqual({
      status: 400,
      code: "VERSION_REQUIRED",
      message: "This API needs a version (the accept-version header: v1, v2)",
    });
    expect((await request(app).get("/pets").set("accept-version", "v7").expect(404)).body.error.message).toBe(
      'Version "v7" of /pets does not exist; versions of /pets: v1, v2',
    );
  });

  it("by query parameter", async () => {
    const app = await gatewayWith({ by: "query", name: "api-version", default: "v1" }, { petsV1, petsV2 });
    expect((await request(app).get("/pets?api-version=v2").expect(200)).body).toMatchObject({ version: "v2", url: "/pets?api-version=v2" });
    expect((await request(app).get("/pets").expect(200)).body).toMatchObject({ version: "v1" });
  });

  it("announces a deprecated version (RFC 9745 Deprecation, RFC 8594 Sunset, Link), and answers 410 after a sunset with sunsetAction: gone", async () => {
    const app = await gatewayWith(
      { by: "path", default: "v2" },
      { petsV1, petsV2, old: { paths: ["/old"], version: "v0", deprecated: { sunset: "2020-01-31" }, sunsetAction: "gone" } },
    );
    const res = await request(app).get("/v1/pets").expect(200);
    expect(res.headers.deprecation).toBe(`@${Date.parse("2026-11-01T00:00:00Z") / 1000}`);
    expect(res.headers.sunset).toBe("Tue, 30 Jun 2099 23:59:59 GMT");
    expect(res.headers.link).toBe('<https://example.com/v1-sunset>; rel="deprecation"; type="text/html"');
    expect((await request(app).get("/v2/pets").expect(200)).headers.deprecation).toBeUndefined();
    const gone = await request(app).get("/v0/old").expect(410);
    expect(gone.body.error).toMatchObject({
      code: "VERSION_GONE",
      message: "Version v0 of this API was retired on Fri, 31 Jan 2020 23:59:59 GMT",
    });
  });

  it("reports versions without versioning, a default that is no version, and deprecation settings on unversioned endpoints", async () => {
    const pipelines = (names: string[]) => ({ api: { apiEndpoints: names, policies: [{ terminate: {} }] } });
    expect((await checkConfig({ apiEndpoints: { petsV1 }, pipelines: pipelines(["petsV1"]) })).problems).toEqual([
      { path: "apiEndpoints.petsV1.version", message: "needs the top-level versioning key (by: path, header or query)" },
    ]);
    expect(
      (
        await checkConfig({
          versioning: { default: "v9" },
          apiEndpoints: { petsV1, plain: { paths: ["/x"], deprecated: { sunset: "soon" }, sunsetAction: "gone" } },
          pipelines: pipelines(["petsV1", "plain"]),
        })
      ).problems,
    ).toEqual([
      { path: "apiEndpoints.plain.deprecated.sunset", message: "must be a date (2027-06-30) or a date-time" },
      { path: "apiEndpoints.plain.deprecated", message: "applies only to an endpoint with a version" },
      { path: "apiEndpoints.plain.sunsetAction", message: "applies only to an endpoint with a version" },
      { path: "apiEndpoints.plain.sunsetAction", message: "gone needs deprecated.sunset (the date after which 410 is answered)" },
      { path: "versioning.default", message: '"v9" is not the version of any apiEndpoint (versions: v1)' },
    ]);
  });
});
