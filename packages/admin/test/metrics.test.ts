import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, definePolicy, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import { createAdminMetrics, type AdminMetrics } from "@turnpike/admin";
import request from "supertest";

// Sets the consumer from a test header, as an auth policy would (the real ones are tested in admin-api).
const fakeAuth = definePolicy({
  name: "test-consumer-from-header",
  schema: { type: "object", properties: {} },
  create: () =>
    function consumerFromHeader(req, res, next) {
      const id = req.headers["x-test-consumer"];
      if (typeof id === "string") res.locals.turnpike.consumer = { id, type: "user", scopes: [] };
      next();
    },
});

let upstream: TestUpstream;
let gateway: Gateway;
let metrics: AdminMetrics;

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await createGateway({
    logger: silentLogger,
    policies: [fakeAuth],
    config: {
      apiEndpoints: { up: { paths: ["/up/*"] }, stop: { paths: ["/stop"] } },
      serviceEndpoints: { echo: { url: upstream.url } },
      pipelines: {
        proxied: { apiEndpoints: ["up"], policies: [{ "test-consumer-from-header": {} }, { proxy: { serviceEndpoint: "echo" } }] },
        terminated: { apiEndpoints: ["stop"], policies: [{ terminate: { statusCode: 503 } }] },
      },
    },
  });
  metrics = createAdminMetrics(gateway, { maxConsumerLabels: 2 });
});
afterAll(async () => {
  metrics?.close();
  await gateway?.close();
  await upstream?.close();
});

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("admin metrics", () => {
  it("counts requests by pipeline, status and consumer, with a bounded number of consumer labels", async () => {
    const app = request(gateway.app);
    for (const consumer of ["c1", "c1", "c2", "c3", "c4"]) await app.get("/up/x").set("x-test-consumer", consumer).expect(200);
    await app.get("/up/anon").expect(200);
    await app.get("/stop").expect(503);
    await app.get("/unmatched").expect(404);

    const text = await metrics.render();
    expect(sample(text, 'turnpike_requests_total{pipeline="proxied",status="200",consumer="c1"}')).toBe(2);
    expect(sample(text, 'turnpike_requests_total{pipeline="proxied",status="200",consumer="c2"}')).toBe(1);
    // Past two consumers, the rest share one series.
    expect(sample(text, 'turnpike_requests_total{pipeline="proxied",status="200",consumer="_other"}')).toBe(2);
    expect(text).not.toContain('consumer="c3"');
    expect(sample(text, 'turnpike_requests_total{pipeline="proxied",status="200",consumer=""}')).toBe(1);
    expect(sample(text, 'turnpike_requests_total{pipeline="terminated",status="503",consumer=""}')).toBe(1);
    // No pipeline answered the unmatched request.
    expect(text).not.toContain('status="404"');
  });

  it("observes upstream latency per pipeline, only where an upstream was called", async () => {
    const text = await metrics.render();
    expect(sample(text, 'turnpike_upstream_latency_seconds_count{pipeline="proxied"}')).toBe(6);
    expect(sample(text, 'turnpike_upstream_latency_seconds_bucket{le="+Inf",pipeline="proxied"}')).toBe(6);
    expect(text).not.toContain('turnpike_upstream_latency_seconds_count{pipeline="terminated"}');
  });

  it("renders the gateway's counters as counter families, escaped", async () => {
    gateway.metrics.increment("turnpike_store_errors_total", { store: "redis", op: "get" }, "Store errors.\nBy store.");
    gateway.metrics.increment("turnpike_store_errors_total", { store: "sqlite" }, "Store errors.\nBy store.", 2);
    gateway.metrics.increment("turnpike_odd_total", { "bad-label": 'a\\b"c\nd' });
    const text = await metrics.render();
    expect(text).toContain("# HELP turnpike_store_errors_total Store errors.\\nBy store.\n# TYPE turnpike_store_errors_total counter\n");
    expect(sample(text, 'turnpike_store_errors_total{store="redis",op="get"}')).toBe(1);
    expect(sample(text, 'turnpike_store_errors_total{store="sqlite"}')).toBe(2);
    expect(text).toContain('turnpike_odd_total{bad_label="a\\\\b\\"c\\nd"} 1');
    expect(text.match(/# TYPE turnpike_store_errors_total /g)).toHaveLength(1);
  });

  it("stops counting once closed", async () => {
    const other = createAdminMetrics(gateway);
    other.close();
    await request(gateway.app).get("/up/after-close").expect(200);
    expect(await other.render()).not.toContain("turnpike_requests_total{");
  });
});
