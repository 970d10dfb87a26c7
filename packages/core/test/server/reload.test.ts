import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ConfigError, createGateway, createLogger, definePolicy, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";

describe("reload", () => {
  let slow: TestUpstream;
  let fast: TestUpstream;
  let arrived!: () => void;
  const closed: string[] = [];

  // A policy that records when the snapshot it belongs to is released.
  const marker = definePolicy<{ id: string }>({
    name: "marker",
    schema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    create({ id }, ctx) {
      ctx.onClose(() => void closed.push(id));
      return (_req, res, next) => {
        res.setHeader("x-marker", id);
        next();
      };
    },
  });

  const config = (id: string, upstream: TestUpstream) => ({
    http: { port: 0, host: "127.0.0.1" },
    apiEndpoints: { all: {} },
    pipelines: { p: { apiEndpoints: ["all"], policies: [{ marker: { id } }, { proxy: { url: upstream.url } }] } },
  });

  beforeAll(async () => {
    slow = await startUpstream((_req, res) => {
      arrived();
      setTimeout(() => res.end("slow"), 300);
    });
    fast = await startUpstream((_req, res) => res.end("fast"));
  });
  afterAll(async () => {
    await slow.close();
    await fast.close();
  });

  it("swaps the snapshot atomically; in-flight requests finish on theirs, then it is released", async () => {
    const gw: Gateway = await createGateway({ logger: silentLogger, policies: [marker], config: config("v1", slow) });
    try {
      const url = (await gw.listen()).http!;
      const stackBefore = (gw.app as unknown as { router: { stack: unknown[] } }).router.stack.length;
      const gotThere = new Promise<void>((r) => (arrived = r));
      const inFlight = fetch(`${url}/x`);
      await gotThere;

      await gw.reload(config("v2", fast));
      const after = await fetch(`${url}/x`);
      expect([after.headers.get("x-marker"), await after.text()]).toEqual(["v2", "fast"]);

      const old = await inFlight;
      expect([old.headers.get("x-marker"), await old.text()]).toEqual(["v1", "slow"]);
      await new Promise((r) => setImmediate(r));
      expect(closed).toContain("v1");
      expect(closed).not.toContain("v2");

      // Nothing is registered on the live app by a reload.
      for (let i = 0; i < 3; i++) await gw.reload(config(`v${3 + i}`, fast));
      expect((gw.app as unknown as { router: { stack: unknown[] } }).router.stack.length).toBe(stackBefore);
    } finally {
      await gw.close();
    }
    expect(closed).toContain("v5");
  });

  it("keeps its listeners on reload: a new address is reported, applied only on restart", async () => {
    const lines: string[] = [];
    const gw = await createGateway({
      logger: createLogger({ level: "warn", sink: (l) => lines.push(l) }),
      policies: [marker],
      config: config("v1", fast),
    });
    try {
      const url = (await gw.listen()).http!;
      const port = Number(new URL(url).port);
      await gw.reload({ ...config("v2", fast), http: { port: port === 65535 ? port - 1 : port + 1, host: "127.0.0.1" } });
      const res = await fetch(`${url}/x`);
      expect(res.headers.get("x-marker")).toBe("v2");
      expect(lines.some((l) => /listener addresses \(http, https, admin\) change on restart/.test(l))).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it("keeps serving the old configuration when the new one is invalid", async () => {
    const gw = await createGateway({ logger: silentLogger, policies: [marker], config: config("good", fast) });
    try {
      const url = (await gw.listen()).http!;
      await expect(
        gw.reload({ ...config("bad", fast), pipelines: { p: { apiEndpoints: ["all"], policies: [{ marker: {} }] } } }),
      ).rejects.toBeInstanceOf(ConfigError);
      const res = await fetch(`${url}/x`);
      expect(res.headers.get("x-marker")).toBe("good");
      expect(gw.config.pipelines[0]!.policies[0]!.steps[0]!.action).toEqual({ id: "good" });
    } finally {
      await gw.close();
    }
  });
});
