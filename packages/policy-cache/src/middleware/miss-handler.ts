/**
 * One cache miss, from the request sent on to the upstream to the entry stored: it strips the client's
 * validators (so the upstream answers in full and the answer can be stored), adds the stale entry's
 * validators when there is one to revalidate, watches the response through {@link captureResponse},
 * stores a complete, storable body, and releases the requests that waited for it.
 */
import type { Request, Response } from "express";
import type { IncomingHttpHeaders } from "node:http";
import type { RequestState } from "@turnpike/core";
import type { CachedEntry } from "../entry/cached-entry.js";
import { entryFromResponse, refreshEntry } from "../entry/cached-entry.js";
import type { ClientConditional } from "../http/conditional.js";
import { isNotModified } from "../http/conditional.js";
import type { HeaderMap, Refusal, StoragePlan } from "../http/storage-plan.js";
import { parseHttpDate, planStorage } from "../http/storage-plan.js";
import { audienceOf, variantKey } from "../key/cache-key.js";
import type { Descriptor } from "../key/descriptor.js";
import { isPromise } from "../stores/cache-store.js";
import type { Flight } from "../runtime/flights.js";
import type { CacheRuntime } from "./cache-runtime.js";
import type { CaptureDecision, CaptureHandler } from "./response-capture.js";
import { captureResponse } from "./response-capture.js";
import { answersNotModified, applyEntryHeaders, HIT } from "./serve-entry.js";

/** What the lookup knew when it missed. */
export interface MissContext {
  readonly req: Request;
  readonly res: Response;
  readonly state: RequestState;
  readonly primary: string;
  /** Unverified credentials of the request, when it has no consumer. */
  readonly credentials: string | undefined;
  readonly descriptor: Descriptor;
  /** The key looked up. */
  readonly key: string;
  /** An expired entry still within its stale windows: revalidated, and served instead of an error. */
  readonly stale: CachedEntry | undefined;
  /** Set when this request leads a coalesced fetch. */
  readonly flight: Flight | undefined;
}

function headerText(value: string | number | readonly string[] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === "object" ? value[0] : String(value);
}

/** Handles the response of one miss (a GET). */
export class MissHandler implements CaptureHandler {
  private readonly preset: readonly string[];
  /** The request headers as the cache saw them: later policies may change `req.headers`. */
  private readonly requestHeaders: IncomingHttpHeaders;
  private readonly conditional: ClientConditional | undefined;
  private readonly revalidating: boolean;
  private readonly requestTime: number;
  private readonly generation: number;
  private status = 0;
  private headers: HeaderMap = {};
  private plan: StoragePlan | undefined;
  private counted = false;

  constructor(
    private readonly rt: CacheRuntime,
    private readonly miss: MissContext,
  ) {
    const { req, res, stale } = miss;
    this.preset = res.getHeaderNames();
    this.requestHeaders = { ...req.headers };
    this.requestTime = rt.clock();
    this.generation = rt.registry.generation;
    const headers = req.headers;
    const inm = headers["if-none-match"];
    const ims = headers["if-modified-since"];
    if (inm !== undefined || ims !== undefined) {
      // Answered by the gateway itself once the full response is known (304 when it matches).
      this.conditional = { ifNoneMatch: inm, ifModifiedSince: ims };
      delete headers["if-none-match"];
      delete headers["if-modified-since"];
    } else this.conditional = undefined;
    let revalidating = false;
    if (stale !== undefined) {
      const lastModified = stale.names.indexOf("last-modified");
      if (stale.etag !== undefined) {
        headers["if-none-match"] = stale.etag;
        revalidating = true;
      } else if (lastModified !== -1) {
        headers["if-modified-since"] = headerText(stale.values[lastModified] as string | readonly string[]);
        revalidating = true;
      }
    }
    this.revalidating = revalidating;
    captureResponse(res, this);
  }

  onHeaders(status: number, headers: HeaderMap): CaptureDecision {
    const { rt, miss } = this;
    const now = rt.clock();
    const stale = miss.stale;
    if (status === 304 && this.revalidating && stale !== undefined) return this.revalidated(stale, headers, now);
    if (status >= 500 && stale !== undefined && now < stale.staleIfErrorUntil) {
      miss.flight?.finish({ key: miss.key, entry: stale });
      return this.replace(stale, now);
    }
    this.count("miss");
    const plan = planStorage(status, headers, rt.options.rules, this.requestTime, now);
    if (typeof plan === "string") return this.refuse(plan, status, headers);
    const declared = headers["content-length"];
    const expectedLength = declared === undefined ? undefined : Number(declared);
    if (expectedLength !== undefined && expectedLength > rt.options.maxEntrySize) return this.refuse("too-large", status, headers);
    if (miss.credentials !== undefined && !plan.shareable && !rt.options.perCredential) {
      miss.flight?.finish(undefined);
      return { kind: "pass", status: this.clientStatus(status, headers) };
    }
    this.status = status;
    this.headers = headers;
    this.plan = plan;
    return { kind: "capture", status: this.clientStatus(status, headers), limit: rt.options.maxEntrySize, expectedLength };
  }

  onBody(body: Buffer): void {
    const plan = this.plan!;
    const entry = entryFromResponse(this.status, this.headers, this.preset, this.rt.options.rules.stripSetCookie, body, plan);
    this.store(entry, plan);
  }

  onAbandon(reason: "too-large" | "incomplete"): void {
    this.count("miss");
    if (reason === "too-large") this.markUncacheable();
    this.miss.flight?.finish(undefined);
  }

  /** Counts the request once: a miss, or a hit when a stored entry answered in place of the upstream. */
  private count(kind: "hit" | "miss"): void {
    if (this.counted) return;
    this.counted = true;
    this.rt.counters[kind]++;
  }

  /** The status the client gets: 304 when its own validators match the full response. */
  private clientStatus(status: number, headers: HeaderMap): number {
    const conditional = this.conditional;
    if (conditional === undefined || status !== 200) return status;
    const etag = headerText(headers.etag);
    const lastModified = parseHttpDate(headers["last-modified"]);
    const date = parseHttpDate(headers.date);
    const modifiedTime = !Number.isNaN(lastModified) ? lastModified : !Number.isNaN(date) ? date : this.rt.clock();
    return isNotModified(conditional, etag, modifiedTime) ? 304 : status;
  }

  private refuse(reason: Refusal | "too-large", status: number, headers: HeaderMap): CaptureDecision {
    // Server errors are transient: they keep coalescing on (the next burst still goes up only once).
    if (reason !== "status" || status < 500) this.markUncacheable();
    this.miss.flight?.finish(undefined);
    return { kind: "pass", status: this.clientStatus(status, headers) };
  }

  private markUncacheable(): void {
    const { descriptor, primary } = this.miss;
    if (descriptor.uncacheable) return;
    this.settle(this.rt.store.set(primary, { ...descriptor, uncacheable: true }));
  }

  /** The upstream confirmed the stale entry: refresh its freshness and headers, and serve it. */
  private revalidated(stale: CachedEntry, headers: HeaderMap, now: number): CaptureDecision {
    const merged = refreshEntry(stale, headers, this.preset, { ...stalePlan(stale), responseTime: now });
    const mergedHeaders: Record<string, string | readonly string[]> = {};
    merged.names.forEach((name, i) => (mergedHeaders[name] = merged.values[i]!));
    const plan = planStorage(stale.status, mergedHeaders, this.rt.options.rules, this.requestTime, now);
    if (typeof plan === "string") {
      this.miss.flight?.finish(undefined);
      return this.replace(merged, now);
    }
    const entry = refreshEntry(stale, headers, this.preset, plan);
    this.store(entry, plan);
    return this.replace(entry, now);
  }

  /** Puts `entry` on the response in place of what the upstream sent. */
  private replace(entry: CachedEntry, now: number): CaptureDecision {
    const { res } = this.miss;
    const preset = this.preset;
    for (const name of res.getHeaderNames()) if (!preset.includes(name)) res.removeHeader(name);
    const notModified = answersNotModified(entry, this.conditional);
    applyEntryHeaders(res, entry, now, HIT, notModified, preset);
    this.count("hit");
    return {
      kind: "replace",
      status: notModified ? 304 : entry.status,
      body: notModified || entry.status === 204 ? undefined : entry.body,
    };
  }

  private store(entry: CachedEntry, plan: StoragePlan): void {
    const { rt, miss } = this;
    if (rt.registry.generation !== this.generation) {
      // A purge ran while this response was in flight: it may be the content the purge removed.
      miss.flight?.finish(undefined);
      return;
    }
    const consumer = miss.state.consumer !== undefined;
    const credentials = miss.credentials !== undefined;
    const descriptor: Descriptor = {
      vary: plan.vary,
      consumerShared: consumer ? plan.shareable : miss.descriptor.consumerShared,
      credentialShared: credentials ? plan.shareable : miss.descriptor.credentialShared,
      uncacheable: false,
    };
    const key = variantKey(miss.primary, descriptor, this.requestHeaders, miss.state, audienceOf(miss.state, miss.credentials, descriptor));
    rt.counters.stored++;
    this.settle(rt.store.set(miss.primary, descriptor, key, entry));
    miss.flight?.finish({ key, entry });
  }

  private settle(result: void | Promise<void>): void {
    if (isPromise(result)) result.catch(() => this.rt.registry.storeErrors++);
  }
}

/** The freshness fields of an entry as a plan (used to rebuild an entry before its new plan exists). */
function stalePlan(entry: CachedEntry): StoragePlan {
  return {
    responseTime: entry.responseTime,
    initialAge: entry.initialAge,
    freshUntil: entry.freshUntil,
    staleWhileRevalidateUntil: entry.staleWhileRevalidateUntil,
    staleIfErrorUntil: entry.staleIfErrorUntil,
    expiresAt: entry.expiresAt,
    shareable: entry.shareable,
    vary: entry.vary,
  };
}
