import { afterEach, describe, expect, it, jest } from "@jest/globals";
import type { Gateway } from "@turnpike/core";
import { createClientKey, rateLimitPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp } from "@turnpike/testing";
import request from "supertest";
import { fakeClock } from "../../../test/helpers.js";

describe("client IP keys", () => {
  it("keys IPv4-mapped IPv6 addresses as IPv4, and IPv6 addresses by subnet", () => {
    const key = createClientKey(56);
    expect(key("10.0.0.1")).toBe("10.0.0.1");
    expect(key("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(key("::FFFF:a00:1")).toBe("10.0.0.1");
    expect(key("2001:db8:0:12::1")).toBe(key("2001:db8:0:ff:abcd::9"));
    expect(key("2001:db8:0:100::1")).not.toBe(key("2001:db8:0:ff::1"));
    expect(key("::1")).toBe("::/56");
    const each = createClientKey(false);
    expect(each("2001:db8::1")).not.toBe(each("2001:db8::2"));
    expect(each("::ffff:192.0.2.7")).toBe("192.0.2.7");
  });
});

describe("rate-limit and the client address", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    jest.useRealTimers();
    await gw?.close();
    gw = undefined;
  });

  it("ignores a spoofed X-Forwarded-For without trustProxy: a new header value buys no new bucket", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 2 });
    await request(gw.app).get("/").set("x-forwarded-for", "203.0.113.1").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "203.0.113.2").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "203.0.113.3").expect(429);
    await request(gw.app).get("/").expect(429);
  });

  it("counts by the forwarded client when trustProxy lists the peer, only the hop the trusted proxy added", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1 }, { config: { trustProxy: ["loopback"] } });
    await request(gw.app).get("/").set("x-forwarded-for", "203.0.113.1").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "203.0.113.1").expect(429);
    await request(gw.app).get("/").set("x-forwarded-for", "203.0.113.2").expect(200);
    // The client prepended a fake address; the trusted proxy appended the real one, which is what counts.
    await request(gw.app).get("/").set("x-forwarded-for", "198.51.100.9, 203.0.113.2").expect(429);
  });

  it("counts an IPv4-mapped address with its IPv4 form, and IPv6 clients per /56 (or per address with ipv6Subnet: false)", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1 }, { config: { trustProxy: ["loopback"] } });
    await request(gw.app).get("/").set("x-forwarded-for", "::ffff:198.51.100.7").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "198.51.100.7").expect(429);
    await request(gw.app).get("/").set("x-forwarded-for", "2001:db8:0:1::1").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "2001:db8:0:2::1").expect(429);
    await request(gw.app).get("/").set("x-forwarded-for", "2001:db8:1::1").expect(200);
    await gw.close();

    gw = await createPolicyApp(rateLimitPolicy, { max: 1, ipv6Subnet: false }, { config: { trustProxy: ["loopback"] } });
    await request(gw.app).get("/").set("x-forwarded-for", "2001:db8:0:1::1").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "2001:db8:0:1::2").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "2001:db8:0:1::2").expect(429);
  });

  it("falls back to the canonical client IP for requests without a key", async () => {
    fakeClock();
    gw = await createPolicyApp(rateLimitPolicy, { max: 1, by: "consumer" }, { config: { trustProxy: ["loopback"] } });
    await request(gw.app).get("/").set("x-forwarded-for", "::ffff:198.51.100.8").expect(200);
    await request(gw.app).get("/").set("x-forwarded-for", "198.51.100.8").expect(429);
    expect((await request(gw.app).get("/").set("x-forwarded-for", "198.51.100.9").expect(200)).headers["ratelimit"]).toBe(
      "limit=1, remaining=0, reset=60",
    );
  });
});
