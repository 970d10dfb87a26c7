import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, createLogger, definePolicy, silentLogger, type Gateway, type Logger } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import type { Request, RequestHandler, Response } from "express";
import { runPipeline, type CompiledStep } from "../../src/pipeline/run-pipeline.js";
import { send } from "../proxy/http-client.js";

const step = (handle: RequestHandler, condition?: () => boolean, logger: Logger = silentLogger): CompiledStep => ({
  policy: "t",
  path: "pipelines.p.policies[0].t[0].action",
  logger,
  condition,
  handle,
});
const req = {} as Request;
const res = {} as Response;

function run(steps: CompiledStep[]): Promise<unknown> {
  return new Promise((resolve) => runPipeline(steps, req, res, (err) => resolve(err ?? "done")));
}

describe("runPipeline", () => {
  it("runs steps in order and skips those whose condition is false", async () => {
    const seen: string[] = [];
    const result = await run([
      step((_q, _s, next) => (seen.push("a"), next())),
      step(
        (_q, _s, next) => (seen.push("skipped"), next()),
        () => false,
      ),
      step(
        (_q, _s, next) => (seen.push("b"), next()),
        () => true,
      ),
    ]);
    expect(seen).toEqual(["a", "b"]);
    expect(result).toBe("done");
  });

  it("stops at the first step that answers without calling next", async () => {
    const seen: string[] = [];
    let ended = false;
    runPipeline([step(() => seen.push("answer")), step(() => seen.push("never"))], req, res, () => (ended = true));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(["answer"]);
    expect(ended).toBe(false);
  });

  it("routes next(err), thrown errors and rejected promises to done", async () => {
    const boom = new Error("boom");
    expect(await run([step((_q, _s, next) => next(boom))])).toBe(boom);
    expect(
      await run([
        step(() => {
          throw boom;
        }),
      ]),
    ).toBe(boom);
    expect(
      await run([
        step(async () => {
          throw boom;
        }),
      ]),
    ).toBe(boom);
  });

  it("ends the pipeline on next('route') without an error", async () => {
    const seen: string[] = [];
    expect(await run([step((_q, _s, next) => next("route")), step(() => seen.push("never"))])).toBe("done");
    expect(seen).toEqual([]);
  });

  it("ignores a second next() from a step but still reports a late error", async () => {
    const reports: unknown[] = [];
    const late = new Error("late");
    let callNext: ((err?: unknown) => void) | undefined;
    runPipeline(
      [
        step((_q, _s, next) => {
          callNext = next;
          next();
        }),
      ],
      req,
      res,
      (err) => reports.push(err ?? "done"),
    );
    callNext!();
    callNext!(late);
    expect(reports).toEqual(["done", late]);
  });

  it("ignores a second next() while the step after it is still running, and reports the policy once", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", sink: (line) => lines.push(line) });
    const twice = step(
      (_q, _s, next) => {
        next();
        next();
      },
      undefined,
      logger,
    );
    for (let request = 0; request < 3; request++) {
      const seen: string[] = [];
      let refuse!: () => void;
      const answered = new Promise<unknown>((resolve) =>
        runPipeline(
          [
            twice,
            step((_q, _s, next) => {
              seen.push("auth");
              // Still deciding when the first step calls next() again; it refuses afterwards.
              refuse = () => next(new Error("refused"));
            }),
            step(() => seen.push("proxy")),
          ],
          req,
          res,
          (err) => resolve(err ?? "done"),
        ),
      );
      refuse();
      expect(((await answered) as Error).message).toBe("refused");
      expect(seen).toEqual(["auth"]);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("pipelines.p.policies[0].t[0].action: next() was called more than once");
  });

  it("lets an error passed after next() end a pipeline that is still running", async () => {
    const boom = new Error("boom");
    const seen: string[] = [];
    const result = await run([
      step((_q, _s, next) => {
        next();
        next(boom);
      }),
      step(() => seen.push("pending")),
      step(() => seen.push("never")),
    ]);
    expect(result).toBe(boom);
    expect(seen).toEqual(["pending"]);
  });
});

describe("a policy that calls next() twice, in a gateway", () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  let url: string;
  const lines: string[] = [];

  beforeAll(async () => {
    upstream = await startUpstream();
    const nextTwice = definePolicy({
      name: "next-twice",
      schema: { type: "object", properties: {} },
      create: () =>
        function nextTwice(_req, _res, next) {
          next();
          next();
        },
    });
    // An auth step that takes its time (a slow credential lookup), then refuses.
    const slowRefusal = definePolicy({
      name: "slow-refusal",
      schema: { type: "object", properties: {} },
      create: () =>
        function slowRefusal(_req, res) {
          setTimeout(() => res.status(401).json({ error: { status: 401, code: "UNAUTHORIZED", message: "refused" } }), 100);
        },
    });
    gw = await createGateway({
      logger: createLogger({ level: "warn", sink: (line) => lines.push(line) }),
      policies: [nextTwice, slowRefusal],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { api: { paths: ["/*"] } },
        pipelines: {
          api: { apiEndpoints: ["api"], policies: [{ "next-twice": {} }, { "slow-refusal": {} }, { proxy: { url: upstream.url } }] },
        },
      },
    });
    url = (await gw.listen()).http!;
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it("never reaches the upstream before the slow auth step refuses, and logs the policy once", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await send(url, { path: `/r${i}` });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ error: { status: 401, code: "UNAUTHORIZED", message: "refused" } });
    }
    expect(upstream.requests).toHaveLength(0);
    const reports = lines.filter((line) => line.includes("next() was called more than once"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^error policy next-twice: pipelines\.api\.policies\[0\]/);
  });
});
