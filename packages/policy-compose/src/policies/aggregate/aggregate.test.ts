import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { checkConfig, createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { cachePolicy } from "@turnpike/policy-cache";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import type { ServerResponse } from "node:http";
import net from "node:net";
import request from "supertest";
import { aggregatePolicy } from "../../index.js";

function json(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A port nothing listens on. */
async function downUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe("aggregate", () => {
  let users: TestUpstream;
  let orders: TestUpstream;
  let slow: TestUpstream;
  let odd: TestUpstream;
  let echo: TestUpstream;
  let down: string;
  let gw: Gateway;
  let url: string;
  /** Resolved when the orders service has received a request (the users service waits for it). */
  let ordersSeen: () => void = () => undefined;

  beforeAll(async () => {
    users = await startUpstream((req, res) => {
      if (req.url?.startsWith("/users/wait")) {
        // Answers only once orders has a request: the two calls must be in flight together.
        const waitForOrders = new Promise<void>((resolve) => (ordersSeen = resolve));
        void waitForOrders.then(() => json(res, { id: "wait" }));
        return;
      }
      if (req.url?.startsWith("/profiles/")) return json(res, { bio: `profile ${req.url.slice(10)}` });
      json(res, { id: req.url?.slice(7), profileId: "p/7", name: "Ada", tags: ["a", "b"], nested: { x: 1, y: 1 } });
    });
    orders = await startUpstream((_req, res) => {
      ordersSeen();
      json(res, { items: [{ sku: "s1" }], nested: { y: 2, z: 2 } });
    });
    slow = await startUpstream((_req, res) => setTimeout(() => json(res, { late: true }), 1000));
    odd = await startUpstream((req, res) => {
      if (req.url === "/html") return res.writeHead(200, { "content-type": "text/html" }).end("<p>hi</p>");
      if (req.url === "/missing") return json(res, { error: "no" }, 404);
      json(res, { big: "x".repeat(2000) });
    });
    down = await downUrl();
    echo = await startUpstream();

    const pipeline = (path: string, aggregate: Record<string, unknown>, before: Record<string, unknown>[] = []) => ({
      endpoint: { paths: [path] },
      policies: [...before, { aggregate }],
    });
    const routes = {
      partial: pipeline("/partial/:id", {
        calls: {
          user: { serviceEndpoint: "users", path: "/users/${req.params.id}" },
          orders: { serviceEndpoint: "slow", path: "/orders?user=${req.params.id}", timeout: 150 },
          stock: { url: down, path: "/stock" },
        },
      }),
      fail: pipeline("/fail/:id", {
        calls: {
          user: { serviceEndpoint: "users", path: "/users/${req.params.id}" },
          stock: { url: down, path: "/stock" },
        },
        onPartialFailure: "fail",
      }),
      merged: pipeline("/merged/:id", {
        calls: {
          user: { serviceEndpoint: "users", path: "/users/${req.params.id}" },
          orders: { serviceEndpoint: "orders", path: "/orders?user=${req.params.id}" },
          profile: { serviceEndpoint: "users", path: "/profiles/${calls.user.body.profileId}" },
        },
        merge: { user: "$.user", orders: "$.orders.items", profile: "$.profile", firstTag: "$.user.tags[1]", none: "$.user.nope.deeper" },
      }),
      deep: pipeline("/deep", {
        calls: { user: { serviceEndpoint: "users", path: "/users/1" }, orders: { serviceEndpoint: "orders" } },
        merge: "deep",
        serverTiming: true,
      }),
      concurrent: pipeline("/concurrent", {
        calls: { user: { serviceEndpoint: "users", path: "/users/wait", timeout: 2000 }, orders: { serviceEndpoint: "orders" } },
        onPartialFailure: "fail",
      }),
      odd: pipeline("/odd", {
        calls: {
          html: { url: odd.url, path: "/html" },
          missing: { url: odd.url, path: "/missing" },
          big: { url: odd.url, path: "/big", maxBodySize: "1kb" },
          ok: { serviceEndpoint: "orders" },
        },
      }),
      headers: pipeline("/headers", {
        calls: { echo: { url: echo.url, path: "/e", headers: { "x-tenant": "t-${req.query.t}" } } },
        forwardHeaders: ["accept-language", "x-extra"],
      }),
      cached: pipeline("/cached/:id", { calls: { user: { serviceEndpoint: "users", path: "/users/${req.params.id}" } } }, [
        { cache: { ttl: 60 } },
      ]),
      cachedPartial: pipeline(
        "/cached-partial",
        { calls: { user: { serviceEndpoint: "users", path: "/users/1" }, stock: { url: down } } },
        [{ cache: { ttl: 60 } }],
      ),
    };
    gw = await createGateway({
      logger: silentLogger,
      policies: [aggregatePolicy, cachePolicy],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: Object.fromEntries(Object.entries(routes).map(([name, r]) => [name, r.endpoint])),
        serviceEndpoints: { users: { url: users.url }, orders: { url: orders.url }, slow: { url: slow.url } },
        pipelines: Object.fromEntries(Object.entries(routes).map(([name, r]) => [name, { apiEndpoints: [name], policies: r.policies }])),
      },
    });
    url = (await gw.listen()).http!;
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([users, orders, slow, odd, echo].map((u) => u.close()));
  });

  it("partial: a call past its timeout and a call to a service that is down are null, named in a header and in meta", async () => {
    const res = await request(url).get("/partial/42").expect(200);
    expect(res.headers["x-turnpike-partial"]).toBe("orders,stock");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).toEqual({
      user: expect.objectContaining({ id: "42", name: "Ada" }),
      orders: null,
      stock: null,
      meta: {
        failed: {
          orders: { status: 504, code: "UPSTREAM_TIMEOUT", message: expect.any(String) },
          stock: { status: 502, code: "UPSTREAM_UNAVAILABLE", message: expect.any(String) },
        },
      },
    });
  });

  it("fail: the first failed call makes the answer a 502 that names it", async () => {
    const res = await request(url).get("/fail/1").expect(502);
    expect(res.body.error).toMatchObject({
      status: 502,
      code: "AGGREGATE_CALL_FAILED",
      message: expect.stringMatching(/^Call stock failed: .*UPSTREAM_UNAVAILABLE/),
    });
  });

  it("runs a dependent call after the call it reads, with the value percent-encoded, and merges by paths", async () => {
    const res = await request(url).get("/merged/7").expect(200);
    expect(res.headers["x-turnpike-partial"]).toBeUndefined();
    expect(res.body).toEqual({
      user: expect.objectContaining({ id: "7", profileId: "p/7" }),
      orders: [{ sku: "s1" }],
      profile: { bio: "profile p%2F7" },
      firstTag: "b",
      none: null,
    });
    const profileRequest = users.requests.find((r) => r.url.startsWith("/profiles/"))!;
    expect(profileRequest.url).toBe("/profiles/p%2F7");
    expect(users.requests.indexOf(profileRequest)).toBeGreaterThan(users.requests.findIndex((r) => r.url === "/users/7"));
  });

  it("merge: deep merges the bodies recursively in call order; serverTiming reports the slowest call and the step", async () => {
    const res = await request(url).get("/deep").expect(200);
    expect(res.body).toMatchObject({ id: "1", items: [{ sku: "s1" }], nested: { x: 1, y: 2, z: 2 } });
    const timing = /^calls;dur=([\d.]+), aggregate;dur=([\d.]+)$/.exec(res.headers["server-timing"] ?? "");
    expect(timing).not.toBeNull();
    expect(Number(timing![2])).toBeGreaterThanOrEqual(Number(timing![1]));
  });

  it("runs independent calls concurrently", async () => {
    // The users service answers only after the orders service received its call: sequential calls would time out.
    await request(url).get("/concurrent").expect(200);
  });

  it("a non-JSON answer, a non-2xx answer and an answer over the size cap are failures of their call", async () => {
    const res = await request(url).get("/odd").expect(200);
    expect(res.headers["x-turnpike-partial"]).toBe("html,missing,big");
    expect(res.body.ok).toEqual({ items: [{ sku: "s1" }], nested: { y: 2, z: 2 } });
    expect(res.body.meta.failed).toEqual({
      html: { status: 502, code: "UPSTREAM_NOT_JSON", message: expect.any(String) },
      missing: { status: 404, code: "UPSTREAM_STATUS", message: "answered 404" },
      big: { status: 502, code: "UPSTREAM_RESPONSE_TOO_LARGE", message: expect.stringMatching(/1024 bytes/) },
    });
  });

  it("forwards the chosen headers, the request id and templated headers, never the client's credentials", async () => {
    const res = await request(url)
      .get("/headers?t=9")
      .set("accept-language", "de")
      .set("x-extra", "1")
      .set("x-other", "no")
      .set("authorization", "Bearer secret")
      .set("cookie", "s=1")
      .expect(200);
    const seen = echo.requests.at(-1)!;
    expect(seen.url).toBe("/e");
    expect(seen.headers).toMatchObject({
      "accept-language": "de",
      "x-extra": "1",
      "x-tenant": "t-9",
      "x-request-id": res.headers["x-request-id"],
    });
    expect(seen.headers["x-other"]).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
  });

  it("a cache step before it caches the merged answer, but never a partial one", async () => {
    const before = users.requests.length;
    const first = await request(url).get("/cached/5").expect(200);
    const second = await request(url).get("/cached/5").expect(200);
    expect(first.headers["x-cache"]).toBe("MISS");
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.body).toEqual(first.body);
    expect(users.requests.length).toBe(before + 1);

    await request(url).get("/cached-partial").expect(200);
    const again = await request(url).get("/cached-partial").expect(200);
    expect(again.headers["x-cache"]).not.toBe("HIT");
  });

  const load = (aggregate: unknown) =>
    checkConfig({
      serviceEndpoints: { users: { url: "http://127.0.0.1:1" } },
      apiEndpoints: { all: { paths: ["/*"] } },
      pipelines: { p: { apiEndpoints: ["all"], policies: [{ aggregate }] } },
    });

  it("refuses a cycle between calls at load, naming it", async () => {
    const { problems } = await load({
      calls: {
        a: { serviceEndpoint: "users", path: "/a/${calls.c.body.id}" },
        b: { serviceEndpoint: "users", path: "/b", headers: { "x-a": "${calls.a.status}" } },
        c: { serviceEndpoint: "users", path: "/c/${calls.b.body.id}" },
      },
    });
    expect(problems).toEqual([
      { path: "pipelines.p.policies[0].aggregate.calls.a", message: "calls depend on each other in a cycle: a → c → b → a" },
    ]);
  });

  it("refuses unknown calls, bad merge paths, bad templates and unknown services at load", async () => {
    const { problems } = await load({
      calls: {
        a: { serviceEndpoint: "users", path: "/a/${calls.zz.body}" },
        b: { serviceEndpoint: "nope", path: "/b" },
        c: { serviceEndpoint: "users", path: "/c/${process.env}" },
        d: { serviceEndpoint: "users", path: "no-slash" },
      },
      merge: { x: "$.missing", y: "$.a..b", meta: "$.a" },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "pipelines.p.policies[0].aggregate.calls.b.serviceEndpoint", message: expect.stringMatching(/not defined/) },
        { path: "pipelines.p.policies[0].aggregate.calls.c.path", message: expect.stringMatching(/unknown name "process"/) },
        { path: "pipelines.p.policies[0].aggregate.calls.d.path", message: "must start with /" },
        { path: "pipelines.p.policies[0].aggregate.merge.x", message: expect.stringMatching(/must start with \$\.<call>/) },
        { path: "pipelines.p.policies[0].aggregate.merge.y", message: expect.stringMatching(/invalid path/) },
        { path: "pipelines.p.policies[0].aggregate.merge.meta", message: expect.stringMatching(/reserved/) },
      ]),
    );
    const unknown = await load({ calls: { a: { serviceEndpoint: "users", path: "/a/${calls.zz.body}" } } });
    expect(unknown.problems).toEqual([
      { path: "pipelines.p.policies[0].aggregate.calls.a", message: expect.stringMatching(/reads calls.zz, which is not a call/) },
    ]);
  });
});
