/**
 * The cache's per-request path.
 *
 * 1. Requests that cannot be served from or stored in a shared cache bypass it (`x-cache: BYPASS`).
 * 2. The primary key finds the resource's descriptor, which gives the full key (vary values, audience).
 * 3. A fresh entry answers at once (`HIT`). With the memory store, steps 2-3 are synchronous: two map
 *    lookups, a few `setHeader` calls and one `end(body)`.
 * 4. Otherwise, when another request is already fetching the same key, this one waits for it (or, when a
 *    stale entry may be served while revalidating, gets that at once); else it goes on to the upstream
 *    (`MISS`), and a {@link MissHandler} stores what comes back.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { RequestState } from "@turnpike/core";
import { requestForbidsStore } from "../http/cache-control.js";
import type { CachedEntry } from "../entry/cached-entry.js";
import { audienceOf, primaryKey, unverifiedCredentials, variantKey } from "../key/cache-key.js";
import type { Descriptor } from "../key/descriptor.js";
import { DEFAULT_DESCRIPTOR } from "../key/descriptor.js";
import type { FlightOutcome } from "../runtime/flights.js";
import { isPromise, type CacheStore } from "../stores/cache-store.js";
import type { CacheRuntime } from "./cache-runtime.js";
import { MissHandler } from "./miss-handler.js";
import { BYPASS, MISS, serveEntry } from "./serve-entry.js";

/** Why a request goes past the cache untouched (`x-cache: BYPASS`), or undefined when it does not. */
export function bypassReason(req: Request, bypassHeaders: readonly string[], store: CacheStore): string | undefined {
  const method = req.method;
  if (method !== "GET" && method !== "HEAD") return `method ${method}`;
  const headers = req.headers;
  // Range requests would need partial entries; a request's no-store asks that nothing be kept.
  if (headers.range !== undefined) return "a Range request";
  if (headers["cache-control"] !== undefined && requestForbidsStore(headers["cache-control"]))
    return "the request's Cache-Control forbids storing";
  for (let i = 0; i < bypassHeaders.length; i++) if (headers[bypassHeaders[i]!] !== undefined) return `header ${bypassHeaders[i]!}`;
  if (!store.available()) return "the store is unavailable";
  return undefined;
}

/** Builds the policy's middleware. */
export function createCacheMiddleware(rt: CacheRuntime): RequestHandler {
  const { store, clock, counters, options } = rt;
  const { credentialHeaders, bypassHeaders, sortQuery, coalesce } = options;

  function bypass(res: Response, next: NextFunction): void {
    counters.bypass++;
    res.setHeader("x-cache", BYPASS);
    next();
  }

  function fail(next: NextFunction): (err: unknown) => void {
    return (err) => next(err);
  }

  /** Step 2: the full key under the descriptor, then the entry. */
  function lookup(
    req: Request,
    res: Response,
    next: NextFunction,
    state: RequestState,
    primary: string,
    credentials: string | undefined,
    descriptor: Descriptor,
    mayWait: boolean,
  ): void {
    if (credentials !== undefined && !options.perCredential && !descriptor.credentialShared) {
      // Nothing is stored per credential: go straight upstream (a shareable answer is still stored).
      return miss(req, res, next, state, primary, credentials, descriptor, "", undefined, false);
    }
    const audience = audienceOf(state, credentials, descriptor);
    const key = variantKey(primary, descriptor, req.headers, state, audience);
    // An identified request may only use a shared entry the upstream explicitly made shareable.
    const needsShareable = audience === "" && (state.consumer !== undefined || credentials !== undefined);
    const found = store.get(key);
    if (isPromise(found)) {
      found.then((entry) => {
        if (!res.destroyed) decide(req, res, next, state, primary, credentials, descriptor, key, needsShareable, entry, mayWait);
      }, fail(next));
    } else decide(req, res, next, state, primary, credentials, descriptor, key, needsShareable, found, mayWait);
  }

  /** Steps 3-4. */
  function decide(
    req: Request,
    res: Response,
    next: NextFunction,
    state: RequestState,
    primary: string,
    credentials: string | undefined,
    descriptor: Descriptor,
    key: string,
    needsShareable: boolean,
    found: CachedEntry | undefined,
    mayWait: boolean,
  ): void {
    const now = clock();
    let entry = found;
    if (entry !== undefined && (entry.expiresAt <= now || (needsShareable && !entry.shareable))) entry = undefined;
    if (entry !== undefined && now < entry.freshUntil) {
      counters.hit++;
      return serveEntry(req, res, entry, now);
    }
    const flight = coalesce ? store.flights.get(key) : undefined;
    if (entry !== undefined && now < entry.staleWhileRevalidateUntil && (flight !== undefined || req.method === "HEAD")) {
      // Someone is refreshing it (a HEAD never does): the stale entry answers meanwhile.
      counters.hit++;
      return serveEntry(req, res, entry, now);
    }
    if (flight !== undefined && mayWait && !descriptor.uncacheable) {
      flight.wait((outcome) => afterWait(req, res, next, state, primary, credentials, key, needsShareable, outcome));
      return;
    }
    const lead = coalesce && flight === undefined && req.method === "GET" && !descriptor.uncacheable;
    miss(req, res, next, state, primary, credentials, descriptor, key, entry, lead);
  }

  /** A coalesced request, once the request it waited for is answered. */
  function afterWait(
    req: Request,
    res: Response,
    next: NextFunction,
    state: RequestState,
    primary: string,
    credentials: string | undefined,
    key: string,
    needsShareable: boolean,
    outcome: FlightOutcome | undefined,
  ): void {
    if (res.destroyed || res.headersSent) return;
    const now = clock();
    if (outcome !== undefined && outcome.key === key && outcome.entry.expiresAt > now && (!needsShareable || outcome.entry.shareable)) {
      counters.hit++;
      return serveEntry(req, res, outcome.entry, now);
    }
    // Not stored, or stored as another variant: look again (the descriptor may have changed), but do
    // not wait a second time.
    const found = store.descriptor(primary);
    if (isPromise(found))
      found.then((d) => lookup(req, res, next, state, primary, credentials, d ?? DEFAULT_DESCRIPTOR, false), fail(next));
    else lookup(req, res, next, state, primary, credentials, found ?? DEFAULT_DESCRIPTOR, false);
  }

  function miss(
    req: Request,
    res: Response,
    next: NextFunction,
    state: RequestState,
    primary: string,
    credentials: string | undefined,
    descriptor: Descriptor,
    key: string,
    stale: CachedEntry | undefined,
    lead: boolean,
  ): void {
    res.setHeader("x-cache", MISS);
    // HEAD is answered from GET entries but never stored: its response has no body.
    if (req.method === "HEAD") {
      counters.miss++;
      return next();
    }
    const flight = lead ? store.flights.start(key, options.coalesceTimeout) : undefined;
    // Counts the request (as a miss, or as a hit when a stored entry answers instead of the upstream).
    new MissHandler(rt, { req, res, state, primary, credentials, descriptor, key, stale, flight });
    next();
  }

  return function cache(req, res, next) {
    if (bypassReason(req, bypassHeaders, store) !== undefined) return bypass(res, next);
    const state = res.locals.turnpike;
    const credentials = state.consumer === undefined ? unverifiedCredentials(req, credentialHeaders) : undefined;
    const primary = primaryKey(req, state, sortQuery);
    const found = store.descriptor(primary);
    if (isPromise(found)) {
      found.then((descriptor) => {
        if (!res.destroyed) lookup(req, res, next, state, primary, credentials, descriptor ?? DEFAULT_DESCRIPTOR, true);
      }, fail(next));
    } else lookup(req, res, next, state, primary, credentials, found ?? DEFAULT_DESCRIPTOR, true);
  };
}
