/**
 * Turning a gateway request into what a handler receives: API Gateway's HTTP API event (payload format
 * 2.0) or the parts of a web-standard Request. Headers are what the proxy would send an upstream.
 */
import { forwardedRequestHeaders, type Consumer } from "@turnpike/core";
import type { Request, Response } from "express";
import type { ConsumerFacts, Invocation, InvocationFacts } from "../../function-runtime/invocation.js";

/** What the policy adds to the request: its name, deadline and stage variables. */
export interface InvocationSettings {
  readonly functionName: string;
  readonly deadline: number;
  readonly stageVariables: Readonly<Record<string, string>>;
}

// API Gateway passes these bodies as text; everything else base64-encoded (isBase64Encoded: true).
const TEXT_TYPE = /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:json|xml)\b|application\/(?:javascript|x-www-form-urlencoded|graphql)\b)/i;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `12/Mar/2020:19:03:58 +0000`, API Gateway's `requestContext.time`. */
function requestTime(epoch: number): string {
  const d = new Date(epoch);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function consumerFacts(consumer: Consumer | undefined): ConsumerFacts | null {
  if (consumer === undefined) return null;
  return {
    id: consumer.id,
    username: consumer.username,
    type: consumer.type,
    scopes: [...consumer.scopes],
    credential: consumer.credential,
    claims: consumer.claims,
  };
}

/** `/users/:id/*` → `/users/{id}/{proxy+}`, API Gateway's route syntax. */
function routeKeyPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\*/g, "{proxy+}");
}

function splitTarget(url: string): { path: string; query: string } {
  const q = url.indexOf("?");
  return q === -1 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

function facts(res: Response, settings: InvocationSettings): InvocationFacts {
  const state = res.locals.turnpike;
  return {
    requestId: state.requestId,
    functionName: settings.functionName,
    deadline: settings.deadline,
    consumer: consumerFacts(state.consumer),
    stageVariables: settings.stageVariables,
  };
}

/** The API Gateway HTTP API (payload 2.0) event for `req` with its `body`. */
export function apiGatewayV2Invocation(req: Request, res: Response, body: Buffer, settings: InvocationSettings): Invocation {
  const state = res.locals.turnpike;
  const flat = forwardedRequestHeaders(req, res);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    const value = flat[i + 1]!;
    if (name === "cookie") {
      // API Gateway moves cookies out of the headers into their own list.
      for (const cookie of value.split(";")) if (cookie.trim() !== "") (cookies ??= []).push(cookie.trim());
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const { path, query } = splitTarget(req.url);
  let queryStringParameters: Record<string, string> | undefined;
  for (const [name, value] of new URLSearchParams(query)) {
    queryStringParameters ??= {};
    queryStringParameters[name] = queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const routeKey = state.route === undefined ? "$default" : `${req.method} ${routeKeyPath(state.route)}`;
  const host = (headers.host ?? "").replace(/:\d+$/, "");
  const now = Date.now();
  const invocationFacts = facts(res, settings);
  const consumer = invocationFacts.consumer;
  const event: Record<string, unknown> = {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: {
      accountId: "turnpike",
      apiId: state.pipeline,
      domainName: host,
      domainPrefix: host.split(".")[0] ?? "",
      http: {
        method: req.method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: state.clientIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: state.requestId,
      routeKey,
      stage: "$default",
      time: requestTime(now),
      timeEpoch: now,
      ...(consumer !== null
        ? {
            authorizer: {
              lambda: {
                consumerId: consumer.id,
                username: consumer.username ?? null,
                type: consumer.type,
                scopes: consumer.scopes,
                credential: consumer.credential ?? null,
              },
              ...(consumer.claims !== undefined ? { jwt: { claims: consumer.claims, scopes: consumer.scopes } } : {}),
            },
          }
        : {}),
    },
    isBase64Encoded: false,
  };
  if (cookies !== undefined) event.cookies = cookies;
  if (queryStringParameters !== undefined) event.queryStringParameters = queryStringParameters;
  if (Object.keys(state.params).length > 0) event.pathParameters = { ...state.params };
  if (Object.keys(settings.stageVariables).length > 0) event.stageVariables = settings.stageVariables;
  if (body.length > 0) {
    const text = TEXT_TYPE.test(headers["content-type"] ?? "");
    event.body = body.toString(text ? "utf8" : "base64");
    event.isBase64Encoded = !text;
  }
  return { format: "aws-apigw-v2", event, facts: invocationFacts };
}

/** The parts of the web-standard Request for `req` with its `body`. */
export function fetchInvocation(req: Request, res: Response, body: Buffer, settings: InvocationSettings): Invocation {
  const state = res.locals.turnpike;
  const flat = forwardedRequestHeaders(req, res);
  const headers: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) headers.push([flat[i]!, flat[i + 1]!]);
  const host = req.headers.host ?? "localhost";
  const method = req.method;
  return {
    format: "fetch",
    request: {
      url: `${state.protocol}://${host}${req.url}`,
      method,
      headers,
      body: method === "GET" || method === "HEAD" || body.length === 0 ? null : new Uint8Array(body.buffer, body.byteOffset, body.length),
    },
    facts: facts(res, settings),
  };
}
