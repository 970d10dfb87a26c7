/**
 * What the `cache` step tells `explain`: whether the request bypasses the cache, and otherwise its key
 * and whether the store (this gateway's memory, or the Redis every instance shares) holds a fresh,
 * stale or no entry for it. Reads only: nothing is stored, no flight started, no counter moved.
 */
import type { Request, Response } from "express";
import type { PolicyExplanation } from "@turnpike/core";
import type { Clock } from "../clock.js";
import { audienceOf, primaryKey, unverifiedCredentials, variantKey } from "../key/cache-key.js";
import { DEFAULT_DESCRIPTOR } from "../key/descriptor.js";
import type { CompiledCacheOptions } from "../policies/cache/cache-options.js";
import type { CacheStore } from "../stores/cache-store.js";
import { bypassReason } from "./cache-middleware.js";

// Keys hold newlines between their fields; shown on one line.
const printable = (key: string): string => key.replaceAll("\n", " ");

/** Explains the cache step for one request. */
export async function explainCache(
  req: Request,
  res: Response,
  options: CompiledCacheOptions,
  store: CacheStore,
  clock: Clock,
): Promise<PolicyExplanation> {
  const bypass = bypassReason(req, options.bypassHeaders, store);
  if (bypass !== undefined) return { summary: `bypasses the cache (${bypass}): x-cache: BYPASS`, details: { bypass, store: store.id } };
  const state = res.locals.turnpike;
  const credentials = state.consumer === undefined ? unverifiedCredentials(req, options.credentialHeaders) : undefined;
  const primary = primaryKey(req, state, options.sortQuery);
  const descriptor = (await store.descriptor(primary)) ?? DEFAULT_DESCRIPTOR;
  const key = variantKey(primary, descriptor, req.headers, state, audienceOf(state, credentials, descriptor));
  const entry = await store.get(key);
  const now = clock();
  const status =
    entry === undefined || entry.expiresAt <= now
      ? "none"
      : now < entry.freshUntil
        ? "fresh"
        : now < entry.staleWhileRevalidateUntil
          ? "stale (served while revalidating)"
          : "stale";
  const details = { key: printable(key), store: store.id, entry: status };
  if (status === "fresh")
    return {
      summary: `key ${details.key}: a fresh entry in ${store.id}: answers from the cache (x-cache: HIT)`,
      details,
      outcome: "answer",
      status: entry!.status,
    };
  return {
    summary: `key ${details.key}: ${status === "none" ? "no entry" : `a ${status} entry`} in ${store.id}: goes upstream (x-cache: MISS)`,
    details,
  };
}
