/**
 * Writing a stored entry as the response: its headers (after the gateway's and earlier policies' own,
 * which win), `Age`, `x-cache`, and the body buffer in one `end()`. Conditional requests whose
 * validators match get a 304 with the headers RFC 9110 §15.4.5 lists.
 */
import type { Request, Response } from "express";
import type { CachedEntry } from "../entry/cached-entry.js";
import { currentAge } from "../entry/cached-entry.js";
import type { ClientConditional } from "../http/conditional.js";
import { isNotModified } from "../http/conditional.js";

/** `x-cache` values (CONTRACT §4). */
export const HIT = "HIT";
export const MISS = "MISS";
export const BYPASS = "BYPASS";

/** True when `conditional` makes a 304 the answer for `entry`. */
export function answersNotModified(entry: CachedEntry, conditional: ClientConditional | undefined): boolean {
  return conditional !== undefined && entry.status === 200 && isNotModified(conditional, entry.etag, entry.modifiedTime);
}

/**
 * Sets the entry's headers on `res`, except those in `preset` (already set by the gateway or an earlier
 * policy: the proxy does not override them either), plus `Age`, `x-cache` and `Content-Length`.
 */
export function applyEntryHeaders(
  res: Response,
  entry: CachedEntry,
  now: number,
  label: string,
  notModified: boolean,
  preset: readonly string[],
): void {
  const names = entry.names;
  const values = entry.values;
  // The gateway always presets x-request-id, which is never stored: no need to check names then.
  const check = !(preset.length === 0 || (preset.length === 1 && preset[0] === "x-request-id"));
  if (notModified) {
    for (const i of entry.notModified) if (!check || !preset.includes(names[i]!)) res.setHeader(names[i]!, values[i]!);
  } else {
    for (let i = 0; i < names.length; i++) if (!check || !preset.includes(names[i]!)) res.setHeader(names[i]!, values[i]!);
  }
  res.setHeader("age", String(currentAge(entry, now)));
  res.setHeader("x-cache", label);
  if (!notModified && entry.status !== 204) res.setHeader("content-length", entry.contentLength);
}

function conditionalOf(req: Request): ClientConditional | undefined {
  const inm = req.headers["if-none-match"];
  const ims = req.headers["if-modified-since"];
  return inm === undefined && ims === undefined ? undefined : { ifNoneMatch: inm, ifModifiedSince: ims };
}

/** Answers the request from `entry` (HEAD gets the headers only). */
export function serveEntry(req: Request, res: Response, entry: CachedEntry, now: number, label: string = HIT): void {
  const notModified = answersNotModified(entry, conditionalOf(req));
  applyEntryHeaders(res, entry, now, label, notModified, res.getHeaderNames());
  res.statusCode = notModified ? 304 : entry.status;
  if (notModified || entry.status === 204 || req.method === "HEAD") res.end();
  else res.end(entry.body);
}
