/**
 * Options of the `concurrency-limit` policy.
 */
import { BY_DESCRIPTION } from "../../keys/compile-key.js";
import type { Ipv6Subnet } from "../../keys/client-key.js";
import { IPV6_SUBNET_OPTION, messageOption } from "../../shared-options.js";
import { STORE_OPTION, type StoreKind } from "../../stores/choose-store.js";
import { ON_STORE_ERROR_OPTION, type OnStoreError } from "../../stores/store-failures.js";

/** Options of the `concurrency-limit` policy, after validation (defaults applied). */
export interface ConcurrencyLimitOptions {
  max: number;
  by: string;
  group?: string;
  maxQueue: number;
  queueTimeout: number;
  retryAfter: number;
  message?: string;
  store?: StoreKind;
  onStoreError: OnStoreError;
  leaseMs: number;
  ipv6Subnet: Ipv6Subnet;
}

/** JSON Schema of the `concurrency-limit` options. */
export const concurrencyLimitSchema = {
  type: "object",
  properties: {
    max: {
      type: "integer",
      minimum: 1,
      description:
        "Requests allowed in flight at once per key; a request holds its slot until its response ends (sent, aborted or failed).",
    },
    by: {
      type: "string",
      minLength: 1,
      default: "global",
      description: `${BY_DESCRIPTION} Default: \`global\` (one count for every request through this step: the service behind it).`,
    },
    group: {
      type: "string",
      minLength: 1,
      maxLength: 100,
      description:
        "Steps with the same group share their slots, e.g. every pipeline in front of one service. Default: the step counts on its own.",
    },
    maxQueue: {
      type: "integer",
      minimum: 0,
      default: 0,
      description:
        "Requests that may wait per key for a slot when all are taken; beyond it, or with 0, they are answered 503 CONCURRENCY_LIMITED at once.",
    },
    queueTimeout: {
      type: "integer",
      minimum: 1,
      default: 1000,
      description: "Longest wait in the queue, in milliseconds; then 503 CONCURRENCY_LIMITED.",
    },
    retryAfter: {
      type: "integer",
      minimum: 0,
      default: 1,
      description: "`Retry-After` seconds sent with 503 CONCURRENCY_LIMITED; 0 sends none.",
    },
    message: messageOption("no slot is free"),
    store: STORE_OPTION,
    onStoreError: ON_STORE_ERROR_OPTION,
    leaseMs: {
      type: "integer",
      minimum: 1000,
      default: 30000,
      description:
        "Redis store: a slot is a lease renewed while its request runs, so the slots of a gateway instance that died come free after this long.",
    },
    ipv6Subnet: IPV6_SUBNET_OPTION,
  },
  required: ["max"],
} as const;
