import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { checkConfig, createGateway, createLogger, silentLogger, type Gateway } from "@turnpike/core";
import { createPolicyApp, spawnGateway, writeConfig } from "@turnpike/testing";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import request from "supertest";
import { functionPolicy } from "../../index.js";

const handlers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/handlers");
const lambda = path.join(handlers, "lambda.mjs");

describe("function: a Lambda handler in worker threads", () => {
  let gw: Gateway;
  let url: string;
  const logs: string[] = [];
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  /** Resolves at the next log line matching `pattern` (an event of the pool, not a delay). */
  const nextLog = (pattern: RegExp) => new Promise<void>((resolve) => waiting.push({ pattern, resolve }));
  const sink = (line: string) => {
    logs.push(line);
    for (const w of waiting.splice(0))
      if (w.pattern.test(line)) w.resolve();
      else waiting.push(w);
  };

  beforeAll(async () => {
    gw = await createGateway({
      logger: createLogger({ level: "debug", sink }),
      policies: [functionPolicy],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { lambda: { paths: ["/lambda/*"] }, other: { paths: ["/other/*"] } },
        pipelines: {
          lambda: {
            apiEndpoints: ["lambda"],
            policies: [{ function: { module: lambda, timeout: 400, workers: 1, stageVariables: { stage: "test" } } }],
          },
          // Another pool: serving it proves the gateway is not stuck while a handler of the first loops.
          other: { apiEndpoints: ["other"], policies: [{ function: { module: lambda, workers: 1 } }] },
        },
      },
    });
    url = (await gw.listen()).http!;
  });

  afterAll(async () => {
    await gw.close();
  });

  it("maps a result with cookies and a base64 body back to the response", async () => {
    const res = await request(url)
      .get("/lambda/binary")
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () => done(null, Buffer.concat(chunks)));
      })
      .expect(201);
    expect(res.body).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
    expect(res.headers["content-type"]).toBe("image/png");
    expect(res.headers["content-length"]).toBe("6");
    expect(res.headers["set-cookie"]).toEqual(["session=abc; Path=/; HttpOnly", "theme=dark"]);
    expect(res.headers["x-handler"]).toBe("lambda");
    // Hop-by-hop headers (and what Connection names) are not relayed, as from any upstream.
    expect(res.headers["x-secret"]).toBeUndefined();
  });

  it("passes API Gateway's payload 2.0 event, with the request id and stage variables", async () => {
    const res = await request(url)
      .post("/lambda/echo?a=1&a=2&b=x%20y")
      .set("cookie", "c1=v1; c2=v2")
      .set("x-consumer-id", "forged")
      .set("content-type", "application/octet-stream")
      .send(Buffer.from([1, 2, 3]))
      .expect(200);
    const { event, awsRequestId, functionName, remaining } = res.body;
    expect(awsRequestId).toBe(res.headers["x-request-id"]);
    expect(functionName).toBe("lambda.mjs#handler");
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(400);
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /lambda/{proxy+}",
      rawPath: "/lambda/echo",
      rawQueryString: "a=1&a=2&b=x%20y",
      queryStringParameters: { a: "1,2", b: "x y" },
      cookies: ["c1=v1", "c2=v2"],
      pathParameters: { "0": "echo" },
      stageVariables: { stage: "test" },
      body: "AQID",
      isBase64Encoded: true,
      requestContext: {
        requestId: res.headers["x-request-id"],
        stage: "$default",
        http: { method: "POST", path: "/lambda/echo", sourceIp: "127.0.0.1" },
      },
    });
    expect(event.headers["x-request-id"]).toBe(res.headers["x-request-id"]);
    expect(event.headers["x-consumer-id"]).toBeUndefined();
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it("a handler that loops forever: 504, the gateway keeps serving, the worker is replaced", async () => {
    const before = (await request(url).get("/lambda/thread").expect(200)).text;
    const replaced = nextLog(/lambda\.mjs#handler: replacement worker ready/);
    let loopAnsweredAt = 0;
    const looping = request(url)
      .get("/lambda/loop")
      .then((r) => ((loopAnsweredAt = performance.now()), r));
    // While the worker spins, another pool (and the event loop) still answers, well before the 504.
    const other = await request(url).get("/other/plain").expect(200);
    const otherAnsweredAt = performance.now();
    expect(other.body).toEqual({ hello: "world" });
    const res = await looping;
    expect(otherAnsweredAt).toBeLessThan(loopAnsweredAt);
    expect(res.status).toBe(504);
    expect(res.body.error).toEqual({ status: 504, code: "FUNCTION_TIMEOUT", message: "The function did not answer in time" });
    // The next request goes to the new worker once it has loaded the module.
    await replaced;
    const after = (await request(url).get("/lambda/thread").expect(200)).text;
    expect(after).not.toBe(before);
    expect(logs.some((l) => l.includes("worker replaced (the handler ran past its timeout)"))).toBe(true);
  });

  it("a handler that throws: 502 without the stack; the stack is logged", async () => {
    const res = await request(url).get("/lambda/throw").expect(502);
    expect(res.body).toEqual({ error: { status: 502, code: "FUNCTION_FAILED", message: "The function failed" } });
    expect(res.text).not.toContain("boom");
    expect(logs.some((l) => l.includes("boom: a failure whose stack must stay in the log") && l.includes("lambda.mjs:"))).toBe(true);
  });

  it("a handler that exits its worker: 502, and the next request is served by a new worker", async () => {
    const replaced = nextLog(/lambda\.mjs#handler: replacement worker ready/);
    await request(url).get("/lambda/exit").expect(502);
    await replaced;
    await request(url).get("/lambda/plain").expect(200);
  });

  it("an invalid result is a 502", async () => {
    await request(url).get("/lambda/bad").expect(502);
    expect(logs.some((l) => l.includes("statusCode must be an integer"))).toBe(true);
  });
});

describe("function: consumer identity, fetch handlers, inline isolation", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it("passes the consumer to a Lambda handler as the authorizer context", async () => {
    gw = await createPolicyApp(
      functionPolicy,
      { module: lambda, isolation: "inline" },
      {
        consumer: {
          id: "c-1",
          username: "alice",
          type: "user",
          scopes: ["read"],
          credential: { type: "jwt", id: "k" },
          claims: { sub: "alice" },
        },
      },
    );
    const res = await request(gw.app).get("/lambda/echo").expect(200);
    expect(res.body.event.headers).toMatchObject({ "x-consumer-id": "c-1", "x-consumer-username": "alice" });
    expect(res.body.event.requestContext.authorizer).toEqual({
      lambda: { consumerId: "c-1", username: "alice", type: "user", scopes: ["read"], credential: { type: "jwt", id: "k" } },
      jwt: { claims: { sub: "alice" }, scopes: ["read"] },
    });
  });

  it("runs a fetch handler (an object's fetch method) with a Request and env, relaying its Response", async () => {
    gw = await createPolicyApp(
      functionPolicy,
      { module: path.join(handlers, "fetch-app.mjs"), export: "default", format: "fetch", stageVariables: { v: "1" } },
      { consumer: { id: "c-2", type: "app", scopes: [] } },
    );
    const res = await request(gw.app).post("/items?q=1").set("authorization", "Bearer keep").send("hello").expect(202);
    expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(res.headers["x-handler"]).toBe("fetch");
    expect(res.body).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/items\?q=1$/),
      method: "POST",
      body: "hello",
      requestId: res.headers["x-request-id"],
      consumerHeader: "c-2",
      authorization: "Bearer keep",
      env: { requestId: res.headers["x-request-id"], consumer: { id: "c-2", type: "app", scopes: [] }, stageVariables: { v: "1" } },
    });
  });

  it("a fetch handler that does not return a Response is a 502", async () => {
    gw = await createPolicyApp(functionPolicy, { module: path.join(handlers, "fetch-app.mjs"), export: "notAResponse", format: "fetch" });
    await request(gw.app).get("/x").expect(502);
  });

  it("runs an older callback-style CommonJS handler inline, and infers 200 JSON from a plain result", async () => {
    gw = await createPolicyApp(functionPolicy, { module: path.join(handlers, "callback.cjs"), isolation: "inline" });
    expect((await request(gw.app).put("/x").expect(200)).text).toBe("callback PUT");
    await gw.close();
    gw = await createPolicyApp(functionPolicy, { module: lambda, isolation: "inline" });
    const res = await request(gw.app).get("/lambda/plain").expect(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.body).toEqual({ hello: "world" });
  });

  it("refuses a module that is missing or lacks the export, at load", async () => {
    const load = (options: Record<string, unknown>) =>
      checkConfig({
        apiEndpoints: { all: { paths: ["/*"] } },
        pipelines: { p: { apiEndpoints: ["all"], policies: [{ function: options }] } },
      });
    expect((await load({ module: path.join(handlers, "nope.mjs") })).problems).toEqual([
      { path: "pipelines.p.policies[0].function.module", message: expect.stringMatching(/nope\.mjs does not exist/) },
    ]);
    expect((await load({ module: lambda, export: "missing" })).problems).toEqual([
      {
        path: "pipelines.p.policies[0].function.module",
        message: expect.stringMatching(/no export "missing" that is a function \(exports: handler\)/),
      },
    ]);
  });
});

describe("function: modules are reloaded with the configuration", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "turnpike-function-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const writeHandler = (file: string, version: string, mtime: number) => {
    writeFileSync(file, `export const handler = async () => ({ statusCode: 200, body: "${version}" });\n`);
    utimesSync(file, mtime, mtime);
  };
  const configFor = (isolation: string) => ({
    http: { port: 0, host: "127.0.0.1" },
    apiEndpoints: { all: { paths: ["/*"] } },
    pipelines: { p: { apiEndpoints: ["all"], policies: [{ function: { module: `./${isolation}.mjs`, isolation } }] } },
  });

  it("isolation: worker (a new pool loads the module afresh)", async () => {
    const file = path.join(dir, "worker.mjs");
    writeHandler(file, "v1", 1_000_000);
    const gw = await createGateway({ logger: silentLogger, policies: [functionPolicy], config: configFor("worker"), baseDir: dir });
    try {
      expect((await request(gw.app).get("/").expect(200)).text).toBe("v1");
      writeHandler(file, "v2", 2_000_000);
      await gw.reload(configFor("worker"));
      expect((await request(gw.app).get("/").expect(200)).text).toBe("v2");
    } finally {
      await gw.close();
    }
  });

  it("isolation: inline, in a real gateway process watching its file (Node's own module loader)", async () => {
    const file = path.join(dir, "inline.mjs");
    writeHandler(file, "v1", 1_000_000);
    const configFile = writeConfig(configFor("inline"), "gateway.config.yml", dir);
    const gateway = await spawnGateway(configFile);
    try {
      expect(await (await fetch(`${gateway.url}/`)).text()).toBe("v1");
      writeHandler(file, "v2", 2_000_000);
      writeConfig({ ...configFor("inline"), trustProxy: false }, "gateway.config.yml", dir);
      await gateway.waitForOutput(/configuration reloaded/);
      expect(await (await fetch(`${gateway.url}/`)).text()).toBe("v2");
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
