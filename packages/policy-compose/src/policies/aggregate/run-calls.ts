/**
 * Running one request's calls: every call whose dependencies have answered starts at once (so
 * independent calls are concurrent), a call starts as soon as its last dependency answers, and a call
 * whose dependency failed fails without being sent.
 */
import type { Template, UpstreamAnswer, UpstreamClient } from "@turnpike/core";
import type { Request, Response } from "express";
import type { IncomingHttpHeaders } from "node:http";

/** A call, compiled at load. */
export interface CompiledCall {
  readonly name: string;
  readonly client: UpstreamClient;
  readonly method: string;
  readonly path: Template;
  readonly headers: readonly (readonly [string, Template])[];
  readonly timeout: number | undefined;
  readonly maxBodySize: number;
  readonly dependsOn: readonly string[];
}

/** Why a call has no usable answer (reported in `meta.failed` and in logs). */
export interface CallFailure {
  /** The upstream's status for a non-2xx answer, else the status the gateway would answer (502/504). */
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** A call's answer as templates see it: `${calls.user.body.id}`, `${calls.user.status}`. */
export interface CallAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** How each call ended (`durationMs`: from sending the call to the end of its answer). */
export type CallOutcome =
  { readonly ok: true; readonly answer: CallAnswer; readonly durationMs: number } | { readonly ok: false; readonly failure: CallFailure };

/** The calls and their order, as the policy compiled them. */
export interface CallPlan {
  readonly calls: readonly CompiledCall[];
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  /** Client headers copied to every call. */
  readonly forwardHeaders: readonly string[];
}

const JSON_TYPE = /^(?:application\/(?:[\w.+-]+\+)?json|text\/json)\s*(?:;|$)/i;

/** Reads a call's answer: a 2xx whose body is JSON (or empty), else a failure. */
function toOutcome({ status, headers, body: raw, durationMs }: UpstreamAnswer): CallOutcome {
  if (status < 200 || status > 299) return { ok: false, failure: { status, code: "UPSTREAM_STATUS", message: `answered ${status}` } };
  if (raw.length === 0) return { ok: true, answer: { status, headers, body: null }, durationMs };
  const type = headers["content-type"];
  const failure = {
    ok: false,
    failure: { status: 502, code: "UPSTREAM_NOT_JSON", message: "answered with a body that is not JSON" },
  } as const;
  if (type !== undefined && !JSON_TYPE.test(type)) return failure;
  try {
    return { ok: true, answer: { status, headers, body: JSON.parse(raw.toString("utf8")) as unknown }, durationMs };
  } catch {
    return failure;
  }
}

function toFailure(err: unknown): CallFailure {
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  return {
    status: typeof e.status === "number" ? e.status : 502,
    code: typeof e.code === "string" ? e.code : "UPSTREAM_UNAVAILABLE",
    message: typeof e.message === "string" ? e.message : "failed",
  };
}

/**
 * Runs the plan for one request.
 * @param failFast stop at the first failure (the `fail` mode): the other calls are aborted
 * @returns every call's outcome (with `failFast`, only those known when the first failure came)
 */
export function runCalls(plan: CallPlan, req: Request, res: Response, failFast: boolean): Promise<Map<string, CallOutcome>> {
  const outcomes = new Map<string, CallOutcome>();
  const answers: Record<string, CallAnswer> = {};
  const variables = { calls: answers };
  const waiting = new Map(plan.calls.map((c) => [c.name, c.dependsOn.length]));
  const byName = new Map(plan.calls.map((c) => [c.name, c]));
  const aborter = new AbortController();
  // The client went away: nothing will read the answers.
  const onClose = (): void => aborter.abort();
  res.once("close", onClose);

  const forwarded: IncomingHttpHeaders = {};
  for (const name of plan.forwardHeaders) {
    const value = req.headers[name];
    if (value !== undefined) forwarded[name] = value;
  }

  return new Promise((resolve) => {
    let remaining = plan.calls.length;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      res.off("close", onClose);
      aborter.abort();
      resolve(outcomes);
    };

    const settle = (name: string, outcome: CallOutcome): void => {
      if (stopped || outcomes.has(name)) return;
      outcomes.set(name, outcome);
      remaining -= 1;
      if (outcome.ok) answers[name] = outcome.answer;
      else if (failFast) return stop();
      for (const dependent of plan.dependents.get(name) ?? []) {
        if (outcomes.has(dependent)) continue;
        if (!outcome.ok) {
          settle(dependent, {
            ok: false,
            failure: { status: 502, code: "DEPENDENCY_FAILED", message: `needs call ${name}, which failed` },
          });
        } else {
          const left = waiting.get(dependent)! - 1;
          waiting.set(dependent, left);
          if (left === 0) start(byName.get(dependent)!);
        }
        if (stopped) return;
      }
      if (remaining === 0 && !stopped) {
        stopped = true;
        res.off("close", onClose);
        resolve(outcomes);
      }
    };

    const start = (call: CompiledCall): void => {
      let headers = forwarded;
      if (call.headers.length > 0) {
        headers = { ...forwarded };
        for (const [name, template] of call.headers) headers[name] = template(req, res, variables);
      }
      call.client
        .request(req, res, {
          method: call.method,
          path: call.path(req, res, variables),
          headers,
          maxBodySize: call.maxBodySize,
          signal: aborter.signal,
          ...(call.timeout !== undefined ? { timeout: call.timeout } : {}),
        })
        .then(
          (answer) => settle(call.name, toOutcome(answer)),
          (err: unknown) => settle(call.name, { ok: false, failure: toFailure(err) }),
        );
    };

    for (const call of plan.calls) if (call.dependsOn.length === 0) start(call);
  });
}
