import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import type { Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import request from "supertest";
import { captureLogger, openapiGateway } from "../../../test/helpers.js";

describe("openapi-validate", () => {
  let upstream: TestUpstream;
  let gw: Gateway | undefined;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => upstream.close());
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    upstream.requests.length = 0;
  });

  const start = async (
    document: string,
    options: Record<string, unknown> = {},
    extra: { logger?: ReturnType<typeof captureLogger> } = {},
  ) => {
    gw = await openapiGateway({
      document,
      policies: [{ "openapi-validate": options }, { proxy: { url: upstream.url } }],
      ...(extra.logger ? { logger: extra.logger } : {}),
    });
    return gw.app;
  };

  describe("the classic Petstore (3.0)", () => {
    it("forwards valid requests and answers 400 listing every problem, forwarding nothing", async () => {
      const app = await start("petstore.yaml");
      await request(app).get("/v1/pets?limit=10").expect(200);
      const bad = await request(app).get("/v1/pets?limit=500").expect(400);
      expect(bad.body).toEqual({
        error: {
          status: 400,
          code: "REQUEST_VALIDATION_FAILED",
          message: "The request does not match the API description: query.limit: must be <= 100",
        },
      });
      await request(app)
        .get("/v1/pets?limit=ten")
        .expect(400, /query\.limit: must be integer/);
      const post = await request(app).post("/v1/pets").send({ id: "x", tag: 5 }).expect(400);
      expect(post.body.error.message).toBe(
        "The request does not match the API description: body/name: is required; body/id: must be integer; body/tag: must be string",
      );
      expect(upstream.requests.map((r) => r.url)).toEqual(["/v1/pets?limit=10"]);
    });

    it("reads a valid body once and forwards it byte for byte", async () => {
      const app = await start("petstore.yaml");
      const text = '{ "id" : 1,\n  "name": "Rex",  "tag":"dog" }';
      await request(app).post("/v1/pets").set("content-type", "application/json; charset=utf-8").send(text).expect(200);
      expect(upstream.requests[0]!.body).toBe(text);
      expect(upstream.requests[0]!.headers["content-length"]).toBe(String(Buffer.byteLength(text)));
    });

    it("answers 415 for a body of an undocumented media type, 400 for a missing required body, 413 past maxBodySize", async () => {
      const app = await start("petstore.yaml", { maxBodySize: 64 });
      const wrongType = await request(app).post("/v1/pets").set("content-type", "text/plain").send("hello").expect(415);
      expect(wrongType.body.error).toMatchObject({
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: "The request has Content-Type text/plain; this operation accepts application/json",
      });
      await request(app)
        .post("/v1/pets")
        .expect(400, /body: is required/);
      await request(app)
        .post("/v1/pets")
        .set("content-type", "application/json")
        .send(JSON.stringify({ id: 1, name: "x".repeat(100) }))
        .expect(413);
      await request(app)
        .post("/v1/pets")
        .set("content-type", "application/json")
        .send("{not json")
        .expect(400, /body: is not valid JSON/);
      expect(upstream.requests).toHaveLength(0);
    });

    it("refuses a pipeline without an OpenAPI endpoint at load", async () => {
      const { createGateway, silentLogger } = await import("@turnpike/core");
      const plugin = (await import("../../index.js")).default;
      await expect(
        createGateway({
          logger: silentLogger,
          policies: [...plugin.policies!],
          config: {
            apiEndpoints: { a: { paths: ["/a"] } },
            pipelines: { p: { apiEndpoints: ["a"], policies: [{ "openapi-validate": {} }, { terminate: {} }] } },
          },
        }),
      ).rejects.toMatchObject({
        problems: [
          {
            path: "pipelines.p.policies[0].openapi-validate",
            message: expect.stringContaining("needs an apiEndpoint defined by an OpenAPI document"),
          },
        ],
      });
    });
  });

  describe("every parameter style (3.1)", () => {
    // One gateway for this block's tests.
    let styles: Gateway;
    let app: Gateway["app"];
    beforeAll(async () => {
      styles = await openapiGateway({
        document: "styles-3.1.yaml",
        policies: [{ "openapi-validate": {} }, { proxy: { url: upstream.url } }],
      });
      app = styles.app;
    });
    afterAll(async () => styles.close());

    const problems = async (path: string, headers: Record<string, string> = {}) => {
      const res = await request(app).get(path).set(headers);
      return res.status === 200
        ? []
        : String(res.body.error.message).replace("The request does not match the API description: ", "").split("; ");
    };

    it("path: simple (arrays and exploded objects), label and matrix", async () => {
      expect(await problems("/styles/simple/1,2,3/x=1,y=2")).toEqual([]);
      expect(await problems("/styles/simple/1,2,3,4/x=1,y=a")).toEqual([
        "path.ids: must NOT have more than 3 items",
        "path.point/y: must be integer",
      ]);
      expect(await problems("/styles/simple/1/x=1")).toEqual(["path.point/y: is required"]);
      expect(await problems("/styles/label/.1.2")).toEqual(["path.ids/0: must be integer"]);
      expect(await problems("/styles/label/.1,2")).toEqual([]);
      expect(await problems("/styles/matrix/;ids=1;ids=2")).toEqual([]);
      expect(await problems("/styles/matrix/;ids=1;ids=b")).toEqual(["path.ids/1: must be integer"]);
    });

    it("query: form (exploded and not), spaceDelimited, pipeDelimited, deepObject, exploded objects, content and required", async () => {
      expect(
        await problems(
          "/styles/query?flag=true&limit=5&tags=a&tags=b&csv=1,2&spaced=1%202&piped=red|blue&filter[min]=1&x=1&y=2&json=%7B%22a%22%3A1%7D",
        ),
      ).toEqual([]);
      expect(
        await problems(
          "/styles/query?flag=yes&limit=0&tags=a&tags=b&tags=c&csv=1,x&spaced=1%20y&piped=red|pink&filter[min]=a&filter[other]=1&x=1&json=%7B%7D",
        ),
      ).toEqual([
        "query.limit: must be >= 1",
        "query.tags: must NOT have more than 2 items",
        "query.csv/1: must be integer",
        "query.spaced/1: must be integer",
        'query.piped/1: must be one of: "red", "green", "blue"',
        "query.filter/other: is not allowed",
        "query.filter/min: must be integer",
        "query.point/y: is required",
        "query.json/a: is required",
        "query.flag: must be boolean",
      ]);
      expect(await problems("/styles/query?json=%7Bbad")).toEqual(["query.json: must be application/json", "query.flag: is required"]);
    });

    it("headers and cookies; Accept, Content-Type and Authorization parameters are ignored as the spec says", async () => {
      expect(await problems("/styles/headers", { "x-rate": "3", "x-tags": "a, b", cookie: "other=1; session=0123abcd" })).toEqual([]);
      expect(await problems("/styles/headers", { "x-rate": "0", "x-tags": "a", cookie: "session=nope" })).toEqual([
        "header.X-Rate: must be >= 1",
        "header.X-Tags: must NOT have fewer than 2 items",
        'cookie.session: must match pattern "^[a-f0-9]{8}$"',
      ]);
      expect(await problems("/styles/headers")).toEqual(["header.X-Rate: is required", "cookie.session: is required"]);
    });

    it("bodies: JSON on draft 2020-12 (null types, readOnly, additionalProperties), a discriminator, form fields and multipart field presence", async () => {
      const post = (type: string, body: string) => request(app).post("/styles/orders").set("content-type", type).send(body);
      await post("application/json", JSON.stringify({ note: null, items: [{}, { sku: "a", price: 1 }] })).expect(200);
      const bad = await post(
        "application/json",
        JSON.stringify({ id: 1, note: 3, items: [{}, { sku: "a", price: 0 }, { price: "1" }], extra: true }),
      ).expect(400);
      expect(bad.body.error.message).toBe(
        "The request does not match the API description: body/extra: is not allowed; body/note: must be string,null; body/items/1/price: must be > 0; body/items/2/sku: is required; body/items/2/price: must be number",
      );
      await post("application/x-www-form-urlencoded", "name=a&count=3&tags=x&tags=y").expect(200);
      await post("application/x-www-form-urlencoded", "count=30").expect(400, /body\/name: is required; body\/count: must be <= 10/);
      const boundary = "XyZ";
      const multipart = (parts: string[]) =>
        parts
          .map(
            (p) =>
              `--${boundary}\r\nContent-Disposition: form-data; name="${p}"${p === "file" ? '; filename="a.txt"' : ""}\r\n\r\nvalue\r\n`,
          )
          .join("") + `--${boundary}--\r\n`;
      await post(`multipart/form-data; boundary=${boundary}`, multipart(["name", "file"])).expect(200);
      await post(`multipart/form-data; boundary=${boundary}`, multipart(["name"])).expect(400, /body\/file: is required/);

      const pet = (body: unknown) =>
        request(app)
          .post("/styles/pets")
          .send(body as object);
      await pet({ kind: "cat", lives: 3 }).expect(200);
      expect((await pet({ kind: "cat", lives: 12 }).expect(400)).body.error.message).toBe(
        "The request does not match the API description: body/lives: must be <= 9",
      );
      expect((await pet({ kind: "dog" }).expect(400)).body.error.message).toBe(
        "The request does not match the API description: body/bark: is required",
      );
      expect((await pet({ kind: "fish" }).expect(400)).body.error.message).toBe(
        'The request does not match the API description: body/kind: must be one of: "cat", "dog"',
      );
    });
  });

  it("refuses a JSON body nested deeper than maxBodyDepth before parsing it", async () => {
    const app = await start("petstore.yaml", { maxBodyDepth: 8 });
    const deep = `${'{"a":'.repeat(20)}1${"}".repeat(20)}`;
    await request(app)
      .post("/v1/pets")
      .set("content-type", "application/json")
      .send(deep)
      .expect(400, /body: is nested deeper than 8 levels/);
    expect(upstream.requests).toHaveLength(0);
  });

  describe("the 3.0 dialect", () => {
    it("nullable, boolean exclusiveMinimum, readOnly not required in requests, $refs to another file, an implicit discriminator mapping", async () => {
      const app = await start("dialect-3.0.yaml");
      await request(app).post("/things").send({ name: null, weight: 1, owner: null }).expect(200);
      expect((await request(app).post("/things").send({ name: 1, weight: 0, owner: {} }).expect(400)).body.error.message).toBe(
        "The request does not match the API description: body/name: must be string,null; body/weight: must be > 0; body/owner/login: is required",
      );
      await request(app).post("/shapes").send({ shape: "Circle", radius: 1 }).expect(200);
      expect((await request(app).post("/shapes").send({ shape: "Square", radius: 1 }).expect(400)).body.error.message).toBe(
        "The request does not match the API description: body/side: is required",
      );
    });
  });

  describe("responses", () => {
    let liar: TestUpstream;
    beforeAll(async () => {
      liar = await startUpstream((req, res) => {
        if (req.url?.startsWith("/v1/pets/bad")) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ id: "secret-upstream-detail" }));
        } else if (req.url?.startsWith("/v1/pets/text")) {
          res.writeHead(200, { "content-type": "text/html" });
          res.end("<html>");
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ id: 1, name: "Rex" }));
        }
      });
    });
    afterAll(async () => liar.close());

    const startWith = async (responses: string, logger = captureLogger()) => {
      gw = await openapiGateway({
        document: "petstore.yaml",
        logger,
        policies: [{ "openapi-validate": { responses } }, { proxy: { url: liar.url } }],
      });
      return { app: gw.app, logger };
    };

    it("reject: a response that does not match becomes a 502, its problems in the log, nothing of its body sent", async () => {
      const { app, logger } = await startWith("reject");
      expect((await request(app).get("/v1/pets/1").expect(200)).body).toEqual({ id: 1, name: "Rex" });
      const bad = await request(app).get("/v1/pets/bad").expect(502);
      expect(bad.body.error.code).toBe("RESPONSE_VALIDATION_FAILED");
      expect(bad.text).not.toContain("secret");
      await request(app).get("/v1/pets/text").expect(502);
      expect(logger.lines.join("\n")).toMatch(
        /response 200 to GET \/pets\/\{petId\} does not match the API description and was replaced by a 502: body\/name: is required; body\/id: must be integer/,
      );
      expect(logger.lines.join("\n")).toMatch(/header\.content-type: text\/html is not a documented media type for 200/);
    });

    it("log: the response goes through as it came, and the problems are logged", async () => {
      const { app, logger } = await startWith("log");
      expect((await request(app).get("/v1/pets/bad").expect(200)).body).toEqual({ id: "secret-upstream-detail" });
      expect(logger.lines.some((l) => l.includes("does not match the API description: body/name: is required"))).toBe(true);
    });
  });
});
