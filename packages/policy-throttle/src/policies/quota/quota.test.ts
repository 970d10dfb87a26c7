import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { ConfigError, type Consumer, type Gateway } from "@turnpike/core";
import { periodAt, quotaPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp } from "@turnpike/testing";
import request from "supertest";
import { fakeClock } from "../../../test/helpers.js";

const consumerFromHeader = (
  req: { headers: Record<string, unknown> },
  res: { locals: { turnpike: { consumer?: Consumer } } },
  next: () => void,
): void => {
  const name = req.headers["x-test-user"];
  if (typeof name === "string") res.locals.turnpike.consumer = { id: `${name}-id`, username: name, type: "user", scopes: [] };
  next();
};

describe("quota periods", () => {
  it("aligns days, weeks and months on UTC calendar boundaries", () => {
    const at = Date.UTC(2030, 0, 15, 10, 30, 5); // Tuesday
    expect(periodAt("day", at)).toEqual({ start: Date.UTC(2030, 0, 15), end: Date.UTC(2030, 0, 16), label: "2030-01-15" });
    expect(periodAt("hour", at)).toEqual({ start: Date.UTC(2030, 0, 15, 10), end: Date.UTC(2030, 0, 15, 11), label: "2030-01-15T10" });
    expect(periodAt("minute", at)).toEqual({
      start: Date.UTC(2030, 0, 15, 10, 30),
      end: Date.UTC(2030, 0, 15, 10, 31),
      label: "2030-01-15T10:30",
    });
    expect(periodAt("week", at)).toEqual({ start: Date.UTC(2030, 0, 14), end: Date.UTC(2030, 0, 21), label: "2030-W03" });
    expect(periodAt("month", at)).toEqual({ start: Date.UTC(2030, 0, 1), end: Date.UTC(2030, 1, 1), label: "2030-01" });
    expect(periodAt("month", Date.UTC(2028, 1, 29, 23))).toEqual({
      start: Date.UTC(2028, 1, 1),
      end: Date.UTC(2028, 2, 1),
      label: "2028-02",
    });
    // ISO weeks belong to the year of their Thursday.
    expect(periodAt("week", Date.UTC(2030, 11, 31)).label).toBe("2031-W01");
    expect(periodAt("week", Date.UTC(2027, 0, 2)).label).toBe("2026-W53");
  });
});

describe("quota", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    jest.useRealTimers();
    await gw?.close();
    gw = undefined;
  });

  it("allows max requests per consumer per day, with the remaining quota in headers, then 429 QUOTA_EXCEEDED until midnight UTC", async () => {
    const clock = fakeClock(Date.UTC(2030, 0, 15, 23, 0, 0));
    gw = await createPolicyApp(quotaPolicy, { max: 2 }, { before: [consumerFromHeader as never] });
    const first = await request(gw.app).get("/").set("x-test-user", "alice").expect(200);
    expect(first.headers).toMatchObject({ "x-quota-limit": "2", "x-quota-remaining": "1", "x-quota-reset": "3600" });
    clock.advance(30 * 60_000);
    expect((await request(gw.app).get("/").set("x-test-user", "alice").expect(200)).headers["x-quota-remaining"]).toBe("0");
    const refused = await request(gw.app).get("/").set("x-test-user", "alice").expect(429);
    expect(refused.body.error).toEqual({ status: 429, code: "QUOTA_EXCEEDED", message: "The quota for this period is used up" });
    expect(refused.headers["retry-after"]).toBe("1800");
    expect(refused.headers["x-quota-reset"]).toBe("1800");
    await request(gw.app).get("/").set("x-test-user", "bob").expect(200);

    clock.set(Date.UTC(2030, 0, 16, 0, 0, 0));
    const nextDay = await request(gw.app).get("/").set("x-test-user", "alice").expect(200);
    expect(nextDay.headers).toMatchObject({ "x-quota-remaining": "1", "x-quota-reset": "86400" });
  });

  it("resets monthly quotas on the first of the month, not 30 days after the first request", async () => {
    const clock = fakeClock(Date.UTC(2030, 0, 31, 12));
    gw = await createPolicyApp(
      quotaPolicy,
      { max: 1, period: "month", message: "Monthly quota used up" },
      { before: [consumerFromHeader as never] },
    );
    await request(gw.app).get("/").set("x-test-user", "alice").expect(200);
    const refused = await request(gw.app).get("/").set("x-test-user", "alice").expect(429);
    expect(refused.body.error.message).toBe("Monthly quota used up");
    expect(refused.headers["retry-after"]).toBe(String(12 * 3600));
    clock.set(Date.UTC(2030, 1, 1, 0, 0, 1));
    expect((await request(gw.app).get("/").set("x-test-user", "alice").expect(200)).headers["x-quota-reset"]).toBe(String(28 * 86400 - 1));
  });

  it("counts anonymous requests by client IP, apart from consumers, and sends no headers with headers: false", async () => {
    fakeClock();
    gw = await createPolicyApp(quotaPolicy, { max: 1, headers: false }, { before: [consumerFromHeader as never] });
    const res = await request(gw.app).get("/").expect(200);
    expect(res.headers["x-quota-limit"]).toBeUndefined();
    await request(gw.app).get("/").set("x-test-user", "alice").expect(200);
    await request(gw.app).get("/").expect(429);
  });

  it("warns that memory counts do not survive a restart, and requires max", async () => {
    gw = await createPolicyApp(quotaPolicy, { max: 5, period: "week" });
    expect(gw.snapshot.warnings).toEqual([
      expect.stringMatching(/^pipelines\.test\.policies\[0\]\.quota: quota counts are kept in this process's memory/),
    ]);
    await expect(createPolicyApp(quotaPolicy, { period: "year" })).rejects.toBeInstanceOf(ConfigError);
    await expect(createPolicyApp(quotaPolicy, { period: "year" })).rejects.toMatchObject({
      problems: expect.arrayContaining([
        { path: "pipelines.test.policies[0].quota.max", message: "is required" },
        { path: "pipelines.test.policies[0].quota.period", message: 'must be one of: "minute", "hour", "day", "week", "month"' },
      ]),
    });
  });
});
