/**
 * Options of the `quota` policy.
 */
import { BY_DESCRIPTION } from "../../keys/compile-key.js";
import type { Ipv6Subnet } from "../../keys/client-key.js";
import { IPV6_SUBNET_OPTION, messageOption } from "../../shared-options.js";
import { STORE_OPTION, type StoreKind } from "../../stores/choose-store.js";
import { ON_STORE_ERROR_OPTION, type OnStoreError } from "../../stores/store-failures.js";
import type { QuotaPeriod } from "./quota-periods.js";

/** Options of the `quota` policy, after validation (defaults applied). */
export interface QuotaOptions {
  max: number;
  period: QuotaPeriod;
  by: string;
  message?: string;
  headers: boolean;
  store?: StoreKind;
  onStoreError: OnStoreError;
  ipv6Subnet: Ipv6Subnet;
}

/** JSON Schema of the `quota` options. */
export const quotaSchema = {
  type: "object",
  properties: {
    max: {
      type: "integer",
      minimum: 1,
      description: "Requests allowed per key in each period; the next ones are answered 429 QUOTA_EXCEEDED until the period ends.",
    },
    period: {
      type: "string",
      enum: ["minute", "hour", "day", "week", "month"],
      default: "day",
      description:
        "The calendar period a quota covers, in UTC: it resets for everyone at the start of each minute, hour, day (00:00), ISO week (Monday) or month.",
    },
    by: { type: "string", minLength: 1, default: "consumer", description: `${BY_DESCRIPTION} Default: \`consumer\`.` },
    message: messageOption("the quota is used up"),
    headers: {
      type: "boolean",
      default: true,
      description: "Send `X-Quota-Limit`, `X-Quota-Remaining` and `X-Quota-Reset` (seconds until the period ends) on every response.",
    },
    store: STORE_OPTION,
    onStoreError: ON_STORE_ERROR_OPTION,
    ipv6Subnet: IPV6_SUBNET_OPTION,
  },
  required: ["max"],
} as const;
