import { describe, expect, it } from "@jest/globals";
import type { Request, RequestHandler, Response } from "express";
import { runPipeline, type CompiledStep } from "../../src/pipeline/run-pipeline.js";

const step = (handle: RequestHandler, condition?: () => boolean): CompiledStep => ({ policy: "t", condition, handle });
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
});
