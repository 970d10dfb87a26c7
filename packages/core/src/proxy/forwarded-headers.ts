/**
 * Which headers cross the gateway, in both directions.
 *
 * - Hop-by-hop headers (RFC 9110 §7.6.1) never cross: `Connection` and every header it names,
 *   `Keep-Alive`, `Proxy-Connection`, `Proxy` (httpoxy), `TE` (except `trailers`), `Trailer`,
 *   `Transfer-Encoding` (each side frames its own message), `Upgrade`, and the proxy credentials.
 * - Identity headers a client could forge (`x-consumer-*`, `x-credential-*`, `x-anonymous-consumer`,
 *   `x-authenticated-*`, `eg-consumer-id`) are removed on every route; the gateway sets its own.
 * - Forwarding headers (`X-Forwarded-*`, `Forwarded`, `X-Real-IP`) from a peer `trustProxy` does not
 *   list are replaced, so an untrusted client can never choose the address the upstream sees.
 * The gateway's own headers are added after that removal.
 */
import type { IncomingHttpHeaders } from "node:http";

/** Hop-by-hop headers, removed in both directions. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
  // Node answers `Expect: 100-continue` itself; forwarding it would make the upstream wait for a body twice.
  "expect",
  "http2-settings",
]);

/** True for a hop-by-hop header (lower-case name), which never crosses the gateway in either direction. */
export function isHopByHopHeader(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/** Forwarding headers: the gateway decides them (per `xfwd` and `trustProxy`), never a client. */
export const FORWARDING_HEADERS: ReadonlySet<string> = new Set([
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "forwarded",
  "x-real-ip",
]);

/** True for client-supplied identity headers that must never reach an upstream. */
export function isIdentityHeader(name: string): boolean {
  if (name.charCodeAt(0) === 0x65 /* e */) return name === "eg-consumer-id";
  if (name.charCodeAt(0) !== 0x78 /* x */ || name.charCodeAt(1) !== 0x2d) return false;
  return (
    name.startsWith("x-consumer-") ||
    name.startsWith("x-credential-") ||
    name.startsWith("x-authenticated-") ||
    name === "x-anonymous-consumer"
  );
}

/** Lower-case names listed in a `Connection` header, besides the usual `keep-alive`/`close`. */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  let tokens: Set<string> | undefined;
  for (const raw of text.split(",")) {
    const token = raw.trim().toLowerCase();
    if (token === "" || token === "keep-alive" || token === "close") continue;
    (tokens ??= new Set()).add(token);
  }
  return tokens;
}

/** What the gateway knows about the hop it received the request on. */
export interface ForwardingFacts {
  /** The TCP peer's address. */
  peer: string;
  /** True when `trustProxy` lists the peer: its forwarding headers are kept and appended to. */
  peerTrusted: boolean;
  /** `http` or `https`: the protocol the peer used. */
  protocol: string;
  /** Whether to add forwarding headers at all (proxy `xfwd`). */
  xfwd: boolean;
  /** The request id to forward. */
  requestId: string;
  /** `Host` to send instead of the client's (changeOrigin), or undefined to keep it. */
  host: string | undefined;
  /** Identity of the authenticated consumer. */
  consumerId: string | undefined;
  consumerUsername: string | undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Builds the upstream request's headers from the (possibly policy-modified) `req.headers`, as a flat
 * `[name, value, ...]` list.
 */
export function buildUpstreamHeaders(headers: IncomingHttpHeaders, facts: ForwardingFacts): string[] {
  const out: string[] = [];
  const named = headers.connection === undefined ? undefined : connectionTokens(headers.connection);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || isIdentityHeader(name)) {
      // `TE: trailers` is end-to-end information the upstream may use.
      if (name === "te" && /(?:^|,)\s*trailers\s*(?:;|,|$)/i.test(first(value) ?? "")) out.push("te", "trailers");
      continue;
    }
    if (named !== undefined && named.has(name)) continue;
    if (name === "host" || name === "x-request-id") continue;
    if (FORWARDING_HEADERS.has(name)) {
      if (!facts.peerTrusted) continue;
      // From a trusted peer these are kept; the three the gateway maintains are rebuilt below.
      if (facts.xfwd && (name === "x-forwarded-for" || name === "x-forwarded-proto" || name === "x-forwarded-host")) continue;
    }
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, value);
  }
  const host = facts.host ?? first(headers.host);
  if (host !== undefined) out.push("host", host);
  out.push("x-request-id", facts.requestId);
  if (facts.xfwd) {
    const priorFor = facts.peerTrusted ? first(headers["x-forwarded-for"]) : undefined;
    out.push("x-forwarded-for", priorFor ? `${priorFor}, ${facts.peer}` : facts.peer);
    const proto = facts.peerTrusted ? first(headers["x-forwarded-proto"]) : undefined;
    out.push("x-forwarded-proto", proto ?? facts.protocol);
    const forwardedHost = (facts.peerTrusted ? first(headers["x-forwarded-host"]) : undefined) ?? first(headers.host);
    if (forwardedHost !== undefined) out.push("x-forwarded-host", forwardedHost);
  }
  if (facts.consumerId !== undefined) {
    out.push("x-consumer-id", facts.consumerId);
    if (facts.consumerUsername !== undefined) out.push("x-consumer-username", facts.consumerUsername);
  }
  return out;
}

/**
 * Copies the upstream's response headers (a raw `[name, value, ...]` list) onto `res`, without
 * hop-by-hop headers and without overriding headers the gateway already set (`x-request-id`, CORS, ...).
 * @throws when a header value is not valid HTTP (the caller answers 502).
 */
export function copyResponseHeaders(
  rawHeaders: readonly (Buffer | string)[],
  res: { getHeaderNames(): string[]; appendHeader(name: string, value: string): unknown },
): void {
  const preset = res.getHeaderNames();
  let named: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 10 && latin1(rawHeaders[i]!).toLowerCase() === "connection") {
      named = connectionTokens(latin1(rawHeaders[i + 1]!));
    }
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = latin1(rawHeaders[i]!);
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || (named !== undefined && named.has(lower))) continue;
    if (preset.length > 0 && preset.includes(lower)) continue;
    res.appendHeader(name, latin1(rawHeaders[i + 1]!));
  }
}

// Header bytes as HTTP/1.1 defines them (ISO-8859-1), whether undici hands over buffers or strings.
function latin1(value: Buffer | string): string {
  return typeof value === "string" ? value : value.toString("latin1");
}
