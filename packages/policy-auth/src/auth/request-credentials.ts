/**
 * Reading credentials from a request without ambiguity, and removing them before forwarding.
 *
 * Node keeps only the first `Authorization` header in `req.headers` (and joins repeated custom headers
 * with ", "), so a request carrying two credentials could be read one way here and another way by the
 * upstream. The auth policies count raw occurrences and refuse duplicates instead.
 */
import type { IncomingMessage } from "node:http";

/** How many times the header `lowerName` appears in the raw request head. */
export function headerCount(req: IncomingMessage, lowerName: string): number {
  const raw = req.rawHeaders;
  const length = lowerName.length;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === length && (name === lowerName || name.toLowerCase() === lowerName)) n++;
  }
  return n;
}

/** The single value of a header: `undefined` when absent, {@link DUPLICATE} when sent more than once. */
export function singleHeader(req: IncomingMessage, lowerName: string): string | typeof DUPLICATE | undefined {
  const value = req.headers[lowerName];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || headerCount(req, lowerName) > 1) return DUPLICATE;
  return value;
}

/** Marks a credential sent more than once. */
export const DUPLICATE = Symbol("duplicate credential");

function decodeComponent(text: string): string | undefined {
  if (text.indexOf("%") === -1 && text.indexOf("+") === -1) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/**
 * The single value of query parameter `field` in `url`: `undefined` when absent, {@link DUPLICATE}
 * when given more than once (or undecodable).
 */
export function singleQueryParam(url: string, field: string): string | typeof DUPLICATE | undefined {
  const q = url.indexOf("?");
  if (q === -1) return undefined;
  let found: string | undefined;
  let count = 0;
  let start = q + 1;
  while (start <= url.length) {
    let end = url.indexOf("&", start);
    if (end === -1) end = url.length;
    if (end > start) {
      const eq = url.indexOf("=", start);
      const nameEnd = eq === -1 || eq > end ? end : eq;
      const name = decodeComponent(url.slice(start, nameEnd));
      if (name === field) {
        count++;
        const value = nameEnd === end ? "" : decodeComponent(url.slice(nameEnd + 1, end));
        if (value === undefined) return DUPLICATE;
        found = value;
      }
    }
    start = end + 1;
  }
  if (count > 1) return DUPLICATE;
  return found;
}

/** `url` without the query parameter `field` (every other parameter kept, in order and as sent). */
export function withoutQueryParam(url: string, field: string): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const kept: string[] = [];
  for (const part of url.slice(q + 1).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (decodeComponent(eq === -1 ? part : part.slice(0, eq)) === field) continue;
    kept.push(part);
  }
  return kept.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${kept.join("&")}`;
}
