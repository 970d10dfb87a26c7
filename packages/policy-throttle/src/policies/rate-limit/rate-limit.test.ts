import { afterEach, describe, expect, it, jest } from "@jest/globals";
import type { Consumer, Gateway } from "@turnpike/core";
import { rateLimitPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp } from "@turnpike/testing";
import request from "supertest";
import { OK, burst, count, fakeClock, gatewayWith, pipelineConfig } from "../../../test/helpers.js";

const alice: Consumer = { id: "alice-id", username: "alice", type: "user", scopes: [] };

/** Sets the consumer named by the `x-test-user` header, as an auth policy would. */
const consumerFromHeader = (
  req: { headers: Record<string, unknown> },
  res: { locals: { turnpike: { consumer?: Consumer } } },
  next: () => void,
): void => {
  const name = req.headers["x-test-user"];
  if (typeof name === "string") res.locals.turnpike.consumer = { id: `${name}-id`, username: name, type: "user", scopes: [] };
  next();
};

describe("rate-limit", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    jest.useRealTimers();
    await gw?.close();
    gw = undefined;
  });

  it("lets max requests through per window, then answers 429 RATE_LIMITED with Retry-After and draft-7 headers", async () => {
    const clock = fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 3, windowMs: 60_000 });
    const first = await request(gw.app).get("/a").expect(200);
    expect(first.headers["ratelimit-policy"]).toBe("3;w=60");
    expect(first.headers["ratelimit"]).toBe("limit=3, remaining=2, reset=60");
    await request(gw.app).get("/a").expect(200);
    clock.advance(15_000);
    const third = await request(gw.app).get("/b").expect(200);
    expect(third.headers["ratelimit"]).toBe("limit=3, remaining=0, reset=45");

    const refused = await request(gw.app).get("/a").expect(429);
    expect(refused.body).toEqual({ error: { status: 429, code: "RATE_LIMITED", message: "Too many requests, please try again later" } });
    expect(refused.headers["retry-after"]).toBe("45");
    expect(refused.headers["ratelimit"]).toBe("limit=3, remaining=0, reset=45");
    expect(refused.headers["x-ratelimit-limit"]).toBeUndefined();

    clock.advance(44_000);
    expect((await request(gw.app).get("/a").expect(429)).headers["retry-after"]).toBe("1");
    clock.advance(1_000);
    const fresh = await request(gw.app).get("/a").expect(200);
    expect(fresh.headers["ratelimit"]).toBe("limit=3, remaining=2, reset=60");
  });

  it("uses Express Gateway's defaults: 5 requests per minute", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, {});
    for (let i = 0; i < 5; i++) await request(gw.app).get("/").expect(200);
    const refused = await request(gw.app).get("/").expect(429);
    expect(refused.headers["ratelimit-policy"]).toBe("5;w=60");
  });

  it("answers with the configured message and status", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, message: "Slow down", statusCode: 503 });
    await request(gw.app).get("/").expect(200);
    const refused = await request(gw.app).get("/").expect(503);
    expect(refused.body.error).toEqual({ status: 503, code: "RATE_LIMITED", message: "Slow down" });
    expect(refused.headers["retry-after"]).toBe("60");
  });

  it.each([
    ["draft-6", { "ratelimit-policy": "2;w=10", "ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "10" }],
    [
      "draft-8",
      {
        ratelimit: '"2-in-10sec"; r=1; t=10',
        "ratelimit-policy": expect.stringMatching(/^"2-in-10sec"; q=2; w=10; pk=:[A-Za-z0-9+/=]+:$/),
      },
    ],
  ])("sends %s headers when asked", async (version, expected) => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 2, windowMs: 10_000, standardHeaders: version });
    const res = await request(gw.app).get("/").expect(200);
    expect(res.headers).toMatchObject(expected);
    if (version === "draft-6") expect(res.headers["ratelimit"]).toBeUndefined();
  });

  it("sends Express Gateway's X-RateLimit-* headers with legacyHeaders, and no RateLimit headers with standardHeaders: false", async () => {
    const clock = fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, windowMs: 30_000, legacyHeaders: true, standardHeaders: false });
    const res = await request(gw.app).get("/").expect(200);
    expect(res.headers["x-ratelimit-limit"]).toBe("1");
    expect(res.headers["x-ratelimit-remaining"]).toBe("0");
    expect(res.headers["x-ratelimit-reset"]).toBe(String(Math.ceil((Date.now() + 30_000) / 1000)));
    expect(res.headers["ratelimit"]).toBeUndefined();
    expect(res.headers["ratelimit-policy"]).toBeUndefined();
    clock.advance(10_000);
    const refused = await request(gw.app).get("/").expect(429);
    expect(refused.headers["retry-after"]).toBe("20");
  });

  it("counts ${req.user.id} per consumer, and anonymous requests by client IP in buckets of their own", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 2, rateLimitBy: "${req.user.id}" }, { before: [consumerFromHeader as never] });
    const as = (user?: string) => {
      const r = request(gw!.app).get("/");
      return user ? r.set("x-test-user", user) : r;
    };
    await as("alice").expect(200);
    await as("alice").expect(200);
    await as("alice").expect(429);
    await as("bob").expect(200);
    // Anonymous requests neither share alice's bucket nor one bucket named "" for everyone: they count by IP.
    await as().expect(200);
    await as().expect(200);
    await as().expect(429);
    await as("bob").expect(200);
    await as("bob").expect(429);
  });

  it("treats a template with text around an empty value as no key, and a template without ${} as one bucket", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, rateLimitBy: "user-${req.user.id}" }, { before: [consumerFromHeader as never] });
    await request(gw.app).get("/").set("x-test-user", "carol").expect(200);
    await request(gw.app).get("/").set("x-test-user", "dave").expect(200);
    await request(gw.app).get("/").expect(200); // by IP, not in a shared "user-" bucket
    await request(gw.app).get("/").expect(429);
    await gw.close();

    gw = await createPolicyApp(rateLimitPolicy, { max: 1, rateLimitBy: "everyone" }, { before: [consumerFromHeader as never] });
    await request(gw.app).get("/").set("x-test-user", "carol").expect(200);
    await request(gw.app).get("/").set("x-test-user", "dave").expect(429);
  });

  it("counts by the consumer with by: consumer", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, by: "consumer" }, { consumer: alice });
    const res = await request(gw.app).get("/").expect(200);
    expect(res.body.consumer.id).toBe("alice-id");
    await request(gw.app).get("/").expect(429);
  });

  it("counts by a header with by: header:<name>, and by IP when the header is missing", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, by: "header:X-Api-Key" });
    await request(gw.app).get("/").set("x-api-key", "k1").expect(200);
    await request(gw.app).get("/").set("x-api-key", "k1").expect(429);
    await request(gw.app).get("/").set("x-api-key", "k2").expect(200);
    await request(gw.app).get("/").set("x-api-key", "k".repeat(5000)).expect(200);
    await request(gw.app).get("/").set("x-api-key", "k".repeat(5000)).expect(429);
    await request(gw.app).get("/").expect(200);
    await request(gw.app).get("/").expect(429);
  });

  it("counts every request in one bucket with by: global, and per Host with by: host", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, by: "host" });
    await request(gw.app).get("/").set("host", "a.example:8080").expect(200);
    await request(gw.app).get("/").set("host", "A.EXAMPLE").expect(429);
    await request(gw.app).get("/").set("host", "b.example").expect(200);
    await gw.close();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, by: "global" });
    await request(gw.app).get("/").set("host", "a.example").expect(200);
    await request(gw.app).get("/").set("host", "b.example").expect(429);
  });

  it("keeps separate counts for two steps of one entry, even with the same key", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, undefined, { entry: [{ action: { max: 2 } }, { action: { max: 2 } }] });
    // Shared counts would see 2 hits after the first request and 4 after the second.
    const second = (await request(gw.app).get("/").expect(200), await request(gw.app).get("/").expect(200));
    expect(second.headers["ratelimit"]).toBe("limit=2, remaining=0, reset=60");
    await request(gw.app).get("/").expect(429);
  });

  it("keeps separate counts for two rate-limit entries, and applies each step only when its condition holds", async () => {
    fakeClock();
    gw = await gatewayWith(
      [rateLimitPolicy],
      pipelineConfig([
        { "rate-limit": [{ condition: { name: "method", methods: ["POST"] }, action: { max: 1 } }] },
        { "rate-limit": { max: 2 } },
        OK,
      ]),
    );
    await request(gw.app).post("/").expect(200); // counts in both entries
    await request(gw.app).get("/").expect(200); // second entry only: 2 of 2
    await request(gw.app).get("/").expect(429);
    await request(gw.app).post("/").expect(429); // the first entry's own limit
  });

  it("gives exactly max successes to 100 simultaneous requests", async () => {
    gw = await createPolicyApp(rateLimitPolicy, { max: 10, windowMs: 60_000 }, { config: { http: { port: 0, host: "127.0.0.1" } } });
    const { http } = await gw.listen();
    const statuses = await burst(`${http}/x`, 100);
    expect(count(statuses, 200)).toBe(10);
    expect(count(statuses, 429)).toBe(90);
  });

  it("keeps counts across a reload that keeps the step, and starts afresh when its window changes", async () => {
    fakeClock();
    const config = pipelineConfig([{ "rate-limit": { max: 2, windowMs: 60_000 } }, OK]);
    gw = await gatewayWith([rateLimitPolicy], config);
    await request(gw.app).get("/").expect(200);
    await gw.reload(pipelineConfig([{ "rate-limit": { max: 3, windowMs: 60_000 } }, OK]));
    await request(gw.app).get("/").expect(200);
    await request(gw.app).get("/").expect(200);
    await request(gw.app).get("/").expect(429);
    await gw.reload(pipelineConfig([{ "rate-limit": { max: 3, windowMs: 30_000 } }, OK]));
    await request(gw.app).get("/").expect(200);
  });
});
