/**
 * The `mock` policy: answers without an upstream. Static (`status`, `headers`, `body`), or from the
 * OpenAPI document (`from: openapi`): the documented example the request prefers (`Prefer:
 * example=NAME`), the documented status it prefers (`Prefer: code=404`), the media type its `Accept`
 * prefers, else a value generated from the schema. Policies before it (auth, rate limits, validation)
 * run as usual, so a team can hand out a working, secured mock before the service exists.
 */
import { ConfigError, definePolicy, GatewayError, type ApiOperation, type PolicyMiddleware } from "@turnpike/core";
import type { Response } from "express";
import { negotiate } from "../../mock/accept-header.js";
import { chooseResponse, compileMockPlans, type MockPlan } from "../../mock/compile-mock-plan.js";
import { parsePrefer } from "../../mock/prefer-header.js";
import { pipelineDescriptions } from "../../pipeline-descriptions.js";
import { mockSchema, type MockOptions } from "./mock-schema.js";

function send(res: Response, method: string, status: number, headers: Readonly<Record<string, string>>, body: Buffer, delay: number): void {
  const answer = (): void => {
    if (res.destroyed || res.headersSent) return;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader("content-length", body.length);
    res.statusCode = status;
    res.end(method === "HEAD" || status === 204 || status === 304 ? undefined : body);
  };
  if (delay <= 0) return answer();
  const timer = setTimeout(answer, delay);
  res.once("close", () => clearTimeout(timer));
}

function staticMock(options: MockOptions): PolicyMiddleware {
  const headers: Record<string, string> = { ...options.headers };
  let body = Buffer.alloc(0);
  if (options.body !== undefined) {
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === "content-type");
    if (typeof options.body === "string") {
      body = Buffer.from(options.body);
      if (!hasType) headers["content-type"] = "text/plain; charset=utf-8";
    } else {
      body = Buffer.from(JSON.stringify(options.body));
      if (!hasType) headers["content-type"] = "application/json";
    }
  }
  const status = options.status ?? 200;
  return function staticMock(req, res) {
    send(res, req.method, status, headers, body, options.delay);
  };
}

function documentMock(options: MockOptions, plans: ReadonlyMap<ApiOperation, MockPlan>): PolicyMiddleware {
  const extraHeaders = options.headers ?? {};
  return function openApiMock(req, res, next) {
    const operation = res.locals.turnpike.operation;
    const plan = operation === undefined ? undefined : plans.get(operation.description);
    // A route of the pipeline that no document describes: the next policy answers it.
    if (operation === undefined || plan === undefined) return next();
    const prefer = parsePrefer(req.headers.prefer);
    const chosen = chooseResponse(plan, prefer.code, options.status);
    const what = `${operation.description.method} ${operation.template}`;
    if (chosen === undefined) {
      return next(
        new GatewayError(
          "MOCK_NOT_DOCUMENTED",
          prefer.code === undefined ? `No response is documented for ${what}` : `No response ${prefer.code} is documented for ${what}`,
        ),
      );
    }
    const { response, status } = chosen;
    const headers: Record<string, string> = { ...response.headers, ...extraHeaders };
    if (response.media.length === 0) {
      if (prefer.example !== undefined)
        return next(new GatewayError("MOCK_NOT_DOCUMENTED", `Response ${response.status} of ${what} has no examples`));
      return send(res, req.method, status, headers, Buffer.alloc(0), options.delay);
    }
    // With a named example, only the media types that have it are candidates.
    const candidates = prefer.example === undefined ? response.media : response.media.filter((m) => m.examples.has(prefer.example!));
    if (candidates.length === 0) {
      return next(
        new GatewayError(
          "MOCK_NOT_DOCUMENTED",
          `Response ${response.status} of ${what} has no example named ${JSON.stringify(prefer.example)}`,
        ),
      );
    }
    const chosenType = negotiate(
      candidates.map((m) => m.mediaType),
      req.headers.accept,
    );
    const media = candidates.find((m) => m.mediaType === chosenType);
    if (media === undefined) {
      return next(
        new GatewayError(
          "NOT_ACCEPTABLE",
          `${what} answers ${candidates.map((m) => m.mediaType).join(", ")}; the request accepts none of them`,
        ),
      );
    }
    headers["content-type"] = media.contentType;
    if (response.media.length > 1) res.vary("accept");
    const body = prefer.example === undefined ? media.body : media.examples.get(prefer.example)!;
    send(res, req.method, status, headers, body, options.delay);
  };
}

/** The `mock` policy. */
export const mockPolicy = definePolicy<MockOptions>({
  name: "mock",
  description:
    "Answers without an upstream: a static response, or each OpenAPI operation's documented examples (Prefer, Accept) or generated values.",
  schema: mockSchema,
  create(options, ctx) {
    if (options.from !== "openapi") return staticMock(options);
    if (options.body !== undefined) {
      throw new ConfigError([
        { path: `${ctx.path}.body`, message: "cannot be combined with from: openapi (the document's examples are the bodies)" },
      ]);
    }
    return documentMock(options, compileMockPlans(pipelineDescriptions(ctx)));
  },
});
