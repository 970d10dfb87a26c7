/**
 * The `concurrency-limit` policy: at most `max` requests in flight per key (by default for the whole
 * step, i.e. the service behind it). A request beyond that waits briefly in a queue when `maxQueue`
 * allows, else it is answered 503 CONCURRENCY_LIMITED. A slot is given back when the response ends,
 * however it ends: sent, aborted by the client, or cut by an error (the response's `close` event).
 */
import type { NextFunction, Request, Response } from "express";
import { GatewayError, definePolicy, type PolicyContext } from "@turnpike/core";
import { compileKey } from "../../keys/compile-key.js";
import { chooseStore, type StoreChoice } from "../../stores/choose-store.js";
import { MemorySlotStore } from "../../stores/memory-slot-store.js";
import { bucketName } from "../../stores/open-window-counters.js";
import { RedisSlotStore } from "../../stores/redis-slot-store.js";
import { createStoreFailureHandler } from "../../stores/store-failures.js";
import { storeRegistry } from "../../stores/store-registry.js";
import { explainKey } from "../../keys/explain-key.js";
import { ConcurrencyGate, type Waiter } from "./concurrency-gate.js";
import { concurrencyLimitSchema, type ConcurrencyLimitOptions } from "./concurrency-limit-schema.js";

/** Opens (or finds, after a reload) the gates of a step: one for its keys, one for requests counted by client IP. */
function openGates(
  ctx: PolicyContext,
  store: StoreChoice,
  options: ConcurrencyLimitOptions,
): { keyed: ConcurrencyGate; byClientIp: ConcurrencyGate } {
  const registry = storeRegistry(ctx.stores.shared);
  const bucket = options.group !== undefined ? `group:${options.group}` : bucketName(ctx.path);
  const open = (ns: "k" | "ip"): ConcurrencyGate => {
    const id = `cl|${store.kind}|${bucket}|${ns}|${store.kind === "redis" ? options.leaseMs : ""}`;
    const lease = registry.acquire(
      id,
      () =>
        new ConcurrencyGate(
          store.kind === "memory"
            ? new MemorySlotStore()
            : new RedisSlotStore(store.redis, `${store.prefix}cl:${bucket}:${ns}:`, options.leaseMs, store.deadlineMs),
        ),
    );
    ctx.onClose(lease.release);
    return lease.store;
  };
  return { keyed: open("k"), byClientIp: open("ip") };
}

/** The `concurrency-limit` policy. */
export const concurrencyLimitPolicy = definePolicy<ConcurrencyLimitOptions>({
  name: "concurrency-limit",
  phase: "traffic",
  description: "Limits requests in flight per key or per service; the excess waits briefly or is answered 503.",
  schema: concurrencyLimitSchema,
  create(options, ctx) {
    const { max, maxQueue, queueTimeout } = options;
    const key = compileKey(options.by, ctx, `${ctx.path}.by`, options.ipv6Subnet);
    const store = chooseStore(options.store, ctx);
    const gates = openGates(ctx, store, options);
    const failure = createStoreFailureHandler(ctx, options.onStoreError);
    // Quiet: shedding load is expected; the error handler must not log one line per shed request.
    const refusal = new GatewayError(
      "CONCURRENCY_LIMITED",
      options.message,
      options.retryAfter > 0 ? { headers: { "Retry-After": String(options.retryAfter) }, quiet: true } : { quiet: true },
    );
    const throttledLabels = { policy: ctx.name, pipeline: ctx.pipeline };

    const refuse = (next: NextFunction): void => {
      ctx.metrics.increment("turnpike_throttled_requests_total", throttledLabels, "Requests refused by a throttling policy");
      next(refusal);
    };

    const enter = (gate: ConcurrencyGate, k: string, lease: string, res: Response, next: NextFunction): void => {
      // The client may have gone while Redis answered: give the slot back at once.
      if (res.closed) return gate.release(k, lease);
      res.once("close", () => gate.release(k, lease));
      next();
    };

    const wait = (gate: ConcurrencyGate, k: string, req: Request, res: Response, next: NextFunction): void => {
      if (res.closed) return;
      if (gate.waiting(k) >= maxQueue) return refuse(next);
      const onClose = (): void => {
        clearTimeout(timer);
        gate.remove(k, waiter);
      };
      const waiter: Waiter = {
        limit: max,
        admit(lease) {
          clearTimeout(timer);
          res.off("close", onClose);
          enter(gate, k, lease, res, next);
        },
        fail: (err) => next(err),
      };
      const timer = setTimeout(() => {
        res.off("close", onClose);
        gate.remove(k, waiter);
        refuse(next);
      }, queueTimeout);
      res.once("close", onClose);
      gate.enqueue(k, waiter);
    };

    return function concurrencyLimit(req: Request, res: Response, next: NextFunction) {
      let gate = gates.keyed;
      let k = key.read(req, res);
      if (k === "") {
        k = key.clientKey(res);
        gate = gates.byClientIp;
      }
      const result = gate.slots.acquire(k, max);
      if (gate.slots.local) {
        if (result !== null) return enter(gate, k, result as string, res, next);
        return wait(gate, k, req, res, next);
      }
      const target = gate;
      const bucket = k;
      (result as Promise<string | null>).then(
        (lease) => {
          failure.succeeded();
          // Inside a promise callback: anything thrown must reach the error handler, not become an unhandled rejection.
          try {
            if (lease !== null) enter(target, bucket, lease, res, next);
            else wait(target, bucket, req, res, next);
          } catch (err) {
            next(err);
          }
        },
        (err: unknown) => failure.fail(err, req, res, next),
      );
    };
  },
  explain(options, ctx) {
    const key = compileKey(options.by, ctx, `${ctx.path}.by`, options.ipv6Subnet);
    return (req, res) => {
      const counted = explainKey(key, req, res);
      return {
        summary: `holds a slot under key ${JSON.stringify(counted.key)} (by ${counted.by}): at most ${options.max} in flight, ${options.maxQueue} waiting`,
        details: { ...counted, max: options.max, maxQueue: options.maxQueue },
      };
    };
  },
});
