/**
 * Turning the consumer store's expected failures into the admin API's JSON errors.
 */
import { GatewayError } from "@turnpike/core";

// Matched by shape, not `instanceof`: the policy plugin may be loaded from another copy of its module
// than the one this package imports (jest maps sources, the gateway loads plugins from dist).
function storeErrorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === "ConsumerStoreError" && typeof e.code === "string" ? e.code : undefined;
}

/**
 * Maps a `ConsumerStoreError` to the matching GatewayError (NOT_FOUND 404, CONFLICT and READ_ONLY 409,
 * INVALID 400, UNAVAILABLE 503); anything else is returned unchanged (a 500 once rendered).
 * The store's messages name ids and usernames, never secrets, so they are shown as they are.
 */
export function fromStoreError(err: unknown): unknown {
  const code = storeErrorCode(err);
  const message = (err as { message?: string } | undefined)?.message;
  switch (code) {
    case "NOT_FOUND":
      return new GatewayError("RESOURCE_NOT_FOUND", message, { cause: err });
    case "CONFLICT":
    case "READ_ONLY":
      return new GatewayError("CONFLICT", message, { cause: err });
    case "INVALID":
      return new GatewayError("VALIDATION_FAILED", message, { cause: err });
    case "UNAVAILABLE":
      return new GatewayError("STORE_UNAVAILABLE", message, { cause: err });
    default:
      return err;
  }
}

/** Awaits a store call, translating its expected failures (see {@link fromStoreError}). */
export async function storeCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw fromStoreError(err);
  }
}
