/**
 * `explain`: what the gateway would do with a request, without sending anything upstream. The request
 * is a synthetic one (no socket, no body), routed by the server's own `routeRequest` and walked through
 * the matched pipeline by the server's own dispatcher (`runPipeline`), with each step's middleware
 * replaced by its policy's explainer (`PolicyDefinition.explain`): conditions are evaluated as they
 * would be, and what one step sets (the consumer) is seen by the next.
 */
import type { Request, Response } from "express";
import { Socket } from "node:net";
import { GatewayError, isGatewayError } from "../errors.js";
import type { Snapshot } from "../pipeline/compile-gateway.js";
import type { ExplainContext, PolicyExplanation } from "../pipeline/define.js";
import { runPipeline, type CompiledStep } from "../pipeline/run-pipeline.js";
import { canonicalizeTarget, normalizeHost } from "../routing/canonical-target.js";
import { requestedVersion } from "../routing/versioning.js";
import type { GatewayMessageClasses } from "../server/express-prototypes.js";
import { routeRequest } from "../server/route-request.js";
import type { TrustFunction } from "../server/trust-proxy.js";

/** The request to explain. */
export interface ExplainInput {
  /** `GET`, `POST`, ... */
  method: string;
  /** A path with its query (`/users/1?x=2`), or an absolute URL whose authority becomes the Host. */
  url: string;
  /** Request headers (names case-insensitive); `Host` defaults to `localhost`. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Explain as if this consumer (username, app name or id) had authenticated. */
  consumer?: string;
  /** The client's address (default 127.0.0.1). */
  clientIp?: string;
}

/** One step of the matched pipeline, explained. */
export interface ExplainedStep {
  readonly index: number;
  readonly policy: string;
  /** Where the step is in the configuration. */
  readonly path: string;
  /** The condition's result; `null` when the step has none, `undefined` when the step was not reached. */
  condition?: boolean | null;
  /** `explained`, `skipped` (condition false), `not-reached` (an earlier step answers), `no-explain`, `failed`. */
  state: "explained" | "skipped" | "not-reached" | "no-explain" | "failed";
  explanation?: PolicyExplanation;
}

/** The explanation of a request. */
export interface RequestExplanation {
  readonly request: { readonly method: string; readonly url: string; readonly host: string };
  /** The canonical target routing and the policies see (absent when it is malformed). */
  readonly target?: { readonly path: string; readonly query: string };
  /** What the gateway answers before any pipeline (400 malformed, 404 no match). */
  readonly error?: { readonly status: number; readonly code: string; readonly message: string };
  readonly match?: {
    readonly apiEndpoint: string;
    readonly pipeline: string;
    readonly route: string | undefined;
    readonly params: Readonly<Record<string, string>>;
    /** The API version routed on (with `versioning`). */
    readonly version?: string;
  };
  /** On a 404: the rules nearest to the request and what differs. */
  readonly nearest?: readonly {
    readonly apiEndpoint: string;
    readonly pipeline: string;
    readonly pattern?: string;
    readonly mismatches: readonly string[];
  }[];
  readonly steps: readonly ExplainedStep[];
  /** The step that would answer, and with what status when known. */
  readonly answeredBy?: { readonly index: number; readonly policy: string; readonly status?: number };
}

const METHOD = /^[A-Za-z]+$/;

/** @throws GatewayError BAD_REQUEST for an input that does not describe a request */
function checkInput(input: ExplainInput): void {
  if (input === null || typeof input !== "object") throw new GatewayError("BAD_REQUEST", "the request description must be an object");
  if (typeof input.method !== "string" || !METHOD.test(input.method))
    throw new GatewayError("BAD_REQUEST", "method must be an HTTP method");
  if (typeof input.url !== "string" || input.url === "") throw new GatewayError("BAD_REQUEST", "url must be a path or an absolute URL");
  if (input.headers !== undefined && (input.headers === null || typeof input.headers !== "object" || Array.isArray(input.headers)))
    throw new GatewayError("BAD_REQUEST", "headers must be an object of names to values");
  for (const key of ["consumer", "clientIp"] as const)
    if (input[key] !== undefined && typeof input[key] !== "string") throw new GatewayError("BAD_REQUEST", `${key} must be a string`);
}

/** Builds the synthetic request and response (Express prototypes, no socket, no body). */
function syntheticExchange(input: ExplainInput, classes: GatewayMessageClasses): { req: Request; res: Response } {
  const socket = new Socket();
  Object.defineProperty(socket, "remoteAddress", { value: input.clientIp ?? "127.0.0.1" });
  const req = new classes.IncomingMessage(socket) as Request;
  req.method = input.method.toUpperCase();
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = "1.1";
  let url = input.url;
  const rawHeaders: string[] = [];
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const values = typeof value === "string" ? [value] : [...value];
    for (const v of values) rawHeaders.push(name, String(v));
    const lower = name.toLowerCase();
    headers[lower] = lower === "set-cookie" || values.length > 1 ? values.map(String) : String(values[0]);
  }
  const absolute = /^https?:\/\/([^/?#]+)(.*)$/i.exec(url);
  if (absolute) {
    url = absolute[2] === "" ? "/" : absolute[2]!.startsWith("?") ? `/${absolute[2]}` : absolute[2]!;
    if (headers.host === undefined) {
      headers.host = absolute[1]!;
      rawHeaders.push("Host", absolute[1]!);
    }
  }
  if (headers.host === undefined) {
    headers.host = "localhost";
    rawHeaders.push("Host", "localhost");
  }
  req.url = url;
  req.headers = headers;
  req.rawHeaders = rawHeaders;
  // No body: a body-reading policy sees an ended stream.
  req.push(null);
  const res = new classes.ServerResponse(req) as Response;
  return { req, res };
}

/**
 * Explains `input` on `snapshot`.
 * @throws GatewayError BAD_REQUEST when `input` does not describe a request
 */
export async function explainRequest(
  input: ExplainInput,
  live: { readonly snapshot: Snapshot; readonly trust: TrustFunction },
  classes: GatewayMessageClasses,
): Promise<RequestExplanation> {
  checkInput(input);
  const { req, res } = syntheticExchange(input, classes);
  const request = { method: req.method, url: input.url, host: String(req.headers.host) };
  const canonical = canonicalizeTarget(req.url);
  const target = isGatewayError(canonical) ? undefined : { path: canonical.path, query: canonical.query };
  const peerTrusted = live.trust(req.socket.remoteAddress ?? "", 0);
  const match = routeRequest(req, res, live.snapshot, live.trust, "explain", peerTrusted);
  if (isGatewayError(match)) {
    const error = { status: match.status, code: match.code, message: match.message };
    if (match.code !== "NOT_FOUND" || isGatewayError(canonical)) return { request, ...(target ? { target } : {}), error, steps: [] };
    // With versioning, the rules are compared on the path without its version prefix, in the version asked for.
    const versioned = live.snapshot.versioning === undefined ? undefined : requestedVersion(req, canonical, live.snapshot.versioning);
    const requested = versioned === undefined || isGatewayError(versioned) ? undefined : versioned;
    const nearest = live.snapshot.matcher
      .nearest(
        normalizeHost(canonical.authority ?? String(req.headers.host)),
        req.method,
        requested?.matchPath ?? canonical.matchPath,
        requested?.version,
      )
      .map((c) => ({
        apiEndpoint: c.endpoint.name,
        pipeline: c.target.name,
        ...(c.pattern !== undefined ? { pattern: c.pattern } : {}),
        mismatches: c.mismatches,
      }));
    return { request, target: target!, error, nearest, steps: [] };
  }

  const context: ExplainContext = input.consumer !== undefined ? { assumedConsumer: input.consumer } : {};
  const steps: ExplainedStep[] = match.target.steps.map((step, index) => ({
    index,
    policy: step.policy,
    path: step.path,
    state: "not-reached",
  }));
  let answeredBy: RequestExplanation["answeredBy"];
  // The dispatcher itself walks the pipeline; each step's middleware is replaced by its explainer.
  const explaining: CompiledStep[] = match.target.steps.map((step, index) => ({
    ...step,
    condition: (rq, rs) => {
      const result = step.condition === undefined ? null : step.condition(rq, rs);
      steps[index]!.condition = result;
      if (result === false) steps[index]!.state = "skipped";
      return result !== false;
    },
    handle: (rq, rs, next) => {
      void explainStep(step, rq, rs, context).then((outcome) => {
        Object.assign(steps[index]!, outcome);
        if (outcome.explanation?.outcome === "answer") {
          answeredBy = {
            index,
            policy: step.policy,
            ...(outcome.explanation.status !== undefined ? { status: outcome.explanation.status } : {}),
          };
          next("router");
        } else next();
      });
    },
  }));
  await new Promise<void>((resolve) => runPipeline(explaining, req, res, () => resolve()));
  return {
    request,
    target: target!,
    match: {
      apiEndpoint: match.endpoint.name,
      pipeline: match.target.name,
      route: match.route,
      params: { ...match.params },
      ...(res.locals.turnpike.version !== undefined ? { version: res.locals.turnpike.version } : {}),
    },
    steps,
    ...(answeredBy ? { answeredBy } : {}),
  };
}

async function explainStep(
  step: CompiledStep,
  req: Request,
  res: Response,
  context: ExplainContext,
): Promise<Pick<ExplainedStep, "state" | "explanation">> {
  if (step.explainer === undefined)
    return { state: "no-explain", explanation: { summary: `policy ${step.policy} does not explain itself; it would run here` } };
  try {
    const explain = await step.explainer();
    return { state: "explained", explanation: await explain(req, res, context) };
  } catch (err) {
    return { state: "failed", explanation: { summary: `explaining failed: ${(err as Error)?.message ?? String(err)}` } };
  }
}
