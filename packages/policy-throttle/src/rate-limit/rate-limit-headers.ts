/**
 * The rate-limit response headers, in express-rate-limit 8's formats: IETF draft-6, draft-7 (the default,
 * CONTRACT §4) or draft-8, and optionally the legacy `X-RateLimit-*` ones. Everything that does not
 * change per request is formatted once, when the policy is built.
 */
import { createHash } from "node:crypto";
import type { Response } from "express";

/** The `standardHeaders` option. */
export type StandardHeaders = "draft-6" | "draft-7" | "draft-8" | false;

/** Writes a step's headers for one request. */
export type RateLimitHeaderWriter = (res: Response, hits: number, resetAt: number, now: number, key: string) => void;

/** What the headers describe. */
export interface RateLimitHeaderOptions {
  max: number;
  windowMs: number;
  standardHeaders: StandardHeaders;
  legacyHeaders: boolean;
}

/** Seconds until `resetAt`, rounded up (never negative). */
export function secondsUntil(resetAt: number, now: number): number {
  const ms = resetAt - now;
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** express-rate-limit's policy name for draft-8 (`100-in-1min`). */
export function policyName(max: number, windowMs: number): string {
  const seconds = windowMs / 1000;
  const minutes = seconds / 60;
  const hours = minutes / 60;
  const days = hours / 24;
  let duration: string;
  if (seconds < 60) duration = `${seconds}sec`;
  else if (minutes < 60) duration = `${minutes}min`;
  else if (hours < 24) duration = `${hours}hr${hours > 1 ? "s" : ""}`;
  else duration = `${days}day${days > 1 ? "s" : ""}`;
  return `${max}-in-${duration}`;
}

/** draft-8's partition key: a short hash of the key, so the client can tell buckets apart without learning the key. */
function partitionKey(key: string): string {
  return Buffer.from(createHash("sha256").update(key).digest("hex").slice(0, 12)).toString("base64");
}

/** Compiles the header writer for a step; undefined when it sends no headers. */
export function compileRateLimitHeaders(options: RateLimitHeaderOptions): RateLimitHeaderWriter | undefined {
  const { max, windowMs, standardHeaders, legacyHeaders } = options;
  const limit = String(max);
  const windowSeconds = Math.ceil(windowMs / 1000);
  let standard: RateLimitHeaderWriter | undefined;
  switch (standardHeaders) {
    case "draft-6": {
      const policy = `${max};w=${windowSeconds}`;
      standard = (res, hits, resetAt, now) => {
        res.setHeader("RateLimit-Policy", policy);
        res.setHeader("RateLimit-Limit", limit);
        res.setHeader("RateLimit-Remaining", String(hits < max ? max - hits : 0));
        res.setHeader("RateLimit-Reset", String(secondsUntil(resetAt, now)));
      };
      break;
    }
    case "draft-7": {
      const policy = `${max};w=${windowSeconds}`;
      const head = `limit=${max}, remaining=`;
      standard = (res, hits, resetAt, now) => {
        res.setHeader("RateLimit-Policy", policy);
        res.setHeader("RateLimit", `${head}${hits < max ? max - hits : 0}, reset=${secondsUntil(resetAt, now)}`);
      };
      break;
    }
    case "draft-8": {
      // draft-8 names each policy, so several steps' headers are listed side by side (append, not set).
      const name = `"${policyName(max, windowMs)}"`;
      const policyHead = `${name}; q=${max}; w=${windowSeconds}; pk=:`;
      standard = (res, hits, resetAt, now, key) => {
        res.appendHeader("RateLimit", `${name}; r=${hits < max ? max - hits : 0}; t=${secondsUntil(resetAt, now)}`);
        res.appendHeader("RateLimit-Policy", `${policyHead}${partitionKey(key)}:`);
      };
      break;
    }
    case false:
      break;
  }
  if (!legacyHeaders) return standard;
  const legacy: RateLimitHeaderWriter = (res, hits, resetAt) => {
    res.setHeader("X-RateLimit-Limit", limit);
    res.setHeader("X-RateLimit-Remaining", String(hits < max ? max - hits : 0));
    res.setHeader("X-RateLimit-Reset", String(Math.ceil(resetAt / 1000)));
  };
  if (standard === undefined) return legacy;
  const both = standard;
  return (res, hits, resetAt, now, key) => {
    both(res, hits, resetAt, now, key);
    legacy(res, hits, resetAt, now, key);
  };
}
