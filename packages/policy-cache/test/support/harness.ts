/**
 * A gateway running `cache` (with a clock the test drives) then `proxy` to a scriptable upstream, on
 * 127.0.0.1 ephemeral ports.
 */
import { createGateway, definePolicy, silentLogger, type Gateway, type PolicyMiddleware } from "@turnpike/core";
import { startUpstream, type ReceivedRequest, type TestUpstream, type UpstreamHandler } from "@turnpike/testing";
import type http from "node:http";
import { request as undiciRequest } from "undici";
import { createCachePolicy } from "../../src/index.js";

/** A clock the test moves by hand. */
export interface FakeClock {
  (): number;
  advance(seconds: number): void;
}

/** A clock starting at the current time. */
export function fakeClock(): FakeClock {
  let now = Date.now();
  const clock = (() => now) as FakeClock;
  clock.advance = (seconds) => {
    now += seconds * 1000;
  };
  return clock;
}

/**
 * An upstream scripted by the query string: `s` status, `cc` Cache-Control, `vary`, `expires`, `etag`
 * (answered 304 to a matching If-None-Match), `lm` Last-Modified, `sc` Set-Cookie, `age`, `size` (body
 * bytes). The body is JSON naming the request number `n` and what the upstream saw.
 */
export const scripted: UpstreamHandler = (req, res, received) => {
  const url = new URL(received.url, "http://upstream");
  const q = url.searchParams;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (q.has("cc")) headers["cache-control"] = q.get("cc")!;
  if (q.has("vary")) headers.vary = q.get("vary")!;
  if (q.has("expires")) headers.expires = q.get("expires")!;
  if (q.has("etag")) headers.etag = q.get("etag")!;
  if (q.has("lm")) headers["last-modified"] = q.get("lm")!;
  if (q.has("sc")) headers["set-cookie"] = q.get("sc")!;
  if (q.has("age")) headers.age = q.get("age")!;
  const status = Number(q.get("s") ?? 200);
  const n = (scriptedCounts.get(res.socket?.localPort ?? 0) ?? 0) + 1;
  scriptedCounts.set(res.socket?.localPort ?? 0, n);
  if (q.has("etag") && req.headers["if-none-match"] === q.get("etag")) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const seen = {
    n,
    path: url.pathname,
    authorization: received.headers.authorization ?? null,
    lang: received.headers["accept-language"] ?? null,
    consumer: received.headers["x-consumer-id"] ?? null,
    forwardedHost: received.headers["x-forwarded-host"] ?? null,
    ifNoneMatch: received.headers["if-none-match"] ?? null,
  };
  let body = JSON.stringify(seen);
  if (q.has("size")) body = body.padEnd(Number(q.get("size")), " ");
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(req.method === "HEAD" ? undefined : body);
};
const scriptedCounts = new Map<number, number>();

/** A response as the tests read it. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined. */
  json: Record<string, unknown> | undefined;
}

/** Sends one request (Host and other headers are sent as given). */
export async function send(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await undiciRequest(`${url}${path}`, { method: (options.method ?? "GET") as "GET", headers: options.headers ?? {} });
  const text = await res.body.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers as http.IncomingHttpHeaders, text, json };
}

/** Options of {@link startCacheGateway}. */
export interface HarnessOptions {
  /** The cache policy's options (default `{ ttl: 60 }`). */
  cache?: Record<string, unknown>;
  upstream?: UpstreamHandler;
  /** Middleware before the cache (e.g. to set a consumer). */
  before?: PolicyMiddleware[];
  /** Extra top-level configuration (redis, trustProxy, ...). */
  config?: Record<string, unknown>;
  clock?: FakeClock;
  /** Use this upstream instead of starting one. */
  upstreamServer?: TestUpstream;
}

/** A running harness. */
export interface Harness {
  readonly gw: Gateway;
  readonly url: string;
  /** The admin API's URL, when `config.admin` was given. */
  readonly adminUrl: string | undefined;
  readonly upstream: TestUpstream;
  readonly clock: FakeClock;
  /** Requests the upstream received for `path` (pathname only). */
  received(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a gateway `[...before, cache, proxy]` in front of an upstream. */
export async function startCacheGateway(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? fakeClock();
  const upstream = options.upstreamServer ?? (await startUpstream(options.upstream ?? scripted));
  const policies = [createCachePolicy({ clock })];
  const steps: Record<string, unknown>[] = [];
  (options.before ?? []).forEach((middleware, i) => {
    policies.push(definePolicy({ name: `before-${i}`, schema: { type: "object", properties: {} }, create: () => middleware }) as never);
    steps.push({ [`before-${i}`]: {} });
  });
  steps.push({ cache: options.cache ?? { ttl: 60 } }, { proxy: { url: upstream.url } });
  const gw = await createGateway({
    logger: silentLogger,
    policies,
    config: {
      http: { port: 0, host: "127.0.0.1" },
      ...options.config,
      apiEndpoints: { all: { paths: ["/*"] } },
      pipelines: { api: { apiEndpoints: ["all"], policies: steps } },
    },
  });
  const { http: url, admin: adminUrl } = await gw.listen();
  return {
    gw,
    url: url!,
    adminUrl,
    upstream,
    clock,
    received: (path) => upstream.requests.filter((r) => r.url.split("?")[0] === path),
    async close() {
      await gw.close();
      if (!options.upstreamServer) await upstream.close();
    },
  };
}
