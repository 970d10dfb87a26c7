/**
 * The one canonical form of a request target, computed once per request and used by routing, by every
 * policy and for the upstream URL.
 *
 * - Dot segments are removed (RFC 3986 §5.2.4), reading `%2e` as `.`, so `/public/%2e%2e/admin` is
 *   `/admin` everywhere: it can never reach a pipeline it does not match canonically.
 * - Otherwise the path is forwarded byte for byte: `%2F` stays `%2F`, other escapes stay as sent.
 * - For matching only, escapes of unreserved characters are decoded (`/%61dmin` matches `/admin`, as the
 *   upstream will read it).
 * - A `%` not followed by two hex digits, an encoded NUL, or a fragment is a 400: such paths mean
 *   different things to different servers.
 */
import { GatewayError } from "../errors.js";

/** A parsed, canonical request target. */
export interface CanonicalTarget {
  /** The path to forward: dot segments removed, otherwise as the client sent it. */
  path: string;
  /** The path routing compares against: also with unreserved characters decoded. */
  matchPath: string;
  /** The query including its `?`, or `""`. Forwarded byte for byte. */
  query: string;
  /** Authority of an absolute-form target (`GET http://host/path`), which then replaces `Host`. */
  authority?: string;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/;

function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2d ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x7e // - . _ ~
  );
}

function isDotSegment(segment: string): 0 | 1 | 2 {
  if (segment === ".") return 1;
  if (segment === "..") return 2;
  if (segment.length < 3 || segment.length > 6) return 0;
  const decoded = segment.toLowerCase().replaceAll("%2e", ".");
  return decoded === "." ? 1 : decoded === ".." ? 2 : 0;
}

/** Decodes escapes of unreserved characters and upper-cases the hex of the others (RFC 3986 §6.2.2). */
function normalizeEscapes(path: string): string {
  let out = "";
  let last = 0;
  for (let i = path.indexOf("%"); i !== -1; i = path.indexOf("%", i + 3)) {
    const code = parseInt(path.slice(i + 1, i + 3), 16);
    out += path.slice(last, i) + (isUnreserved(code) ? String.fromCharCode(code) : `%${path.slice(i + 1, i + 3).toUpperCase()}`);
    last = i + 3;
  }
  return out + path.slice(last);
}

function removeDotSegments(path: string): string {
  const segments = path.slice(1).split("/");
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const dot = isDotSegment(segment);
    if (dot === 0) {
      out.push(segment);
      continue;
    }
    if (dot === 2) out.pop();
    // A trailing dot segment leaves a directory: "/a/b/.." is "/a/".
    if (i === segments.length - 1) out.push("");
  }
  return `/${out.join("/")}`;
}

/**
 * Parses and canonicalises a request target (`req.url`).
 * @returns the canonical target, or a 400 {@link GatewayError} when the target is malformed or ambiguous.
 */
export function canonicalizeTarget(url: string): CanonicalTarget | GatewayError {
  let target = url;
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 0x2f /* / */) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (!absolute) return new GatewayError("BAD_REQUEST_TARGET");
    authority = absolute[1]!;
    target = target.slice(absolute[0].length);
    if (target === "" || target.charCodeAt(0) === 0x3f /* ? */) target = `/${target}`;
  }
  const q = target.indexOf("?");
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? "" : target.slice(q);
  if (rawPath.includes("#")) return new GatewayError("BAD_REQUEST_TARGET");

  const hasEscape = rawPath.includes("%");
  if (hasEscape) {
    for (let i = rawPath.indexOf("%"); i !== -1; i = rawPath.indexOf("%", i + 1)) {
      const hex = rawPath.slice(i + 1, i + 3);
      if (!HEX.test(hex) || hex === "00") return new GatewayError("BAD_PATH_ENCODING");
    }
  }
  // Fast path: nothing to decode and no dot segment can be present.
  const path = hasEscape || rawPath.includes("/.") ? removeDotSegments(rawPath) : rawPath;
  const result: CanonicalTarget = { path, matchPath: hasEscape ? normalizeEscapes(path) : path, query };
  if (authority !== undefined) result.authority = authority;
  return result;
}

/** Lower-cases a Host value and strips its port and trailing dot (`Example.COM.:8080` → `example.com`). */
export function normalizeHost(host: string | undefined): string {
  if (!host) return "";
  let h = host.toLowerCase();
  if (h.charCodeAt(0) === 0x5b /* [ */) {
    const end = h.indexOf("]");
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(":");
  if (colon !== -1) h = h.slice(0, colon);
  if (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}
