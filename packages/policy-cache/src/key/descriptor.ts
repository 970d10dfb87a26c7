/**
 * What the cache remembers per resource (method, host, path and query) to know which key to look up
 * before it has a response: the request headers the last stored response varied on, and whether
 * responses to authenticated requests were explicitly shareable.
 */

/** Per-resource key recipe. */
export interface Descriptor {
  /** Lower-case, sorted request header names from the response's `Vary`. */
  readonly vary: readonly string[];
  /** The last stored response to a request with a consumer was explicitly `public`. */
  readonly consumerShared: boolean;
  /** The last stored response to a request with credentials was explicitly shareable (RFC 9111 §3.5). */
  readonly credentialShared: boolean;
  /** The last response was not storable (private, no-store, ...): concurrent misses are not coalesced. */
  readonly uncacheable: boolean;
}

/** The recipe used before any response was seen. */
export const DEFAULT_DESCRIPTOR: Descriptor = Object.freeze({
  vary: Object.freeze([]) as readonly string[],
  consumerShared: false,
  credentialShared: false,
  uncacheable: false,
});

/** True when two descriptors produce the same keys and coalescing decisions. */
export function sameDescriptor(a: Descriptor, b: Descriptor): boolean {
  return (
    a.consumerShared === b.consumerShared &&
    a.credentialShared === b.credentialShared &&
    a.uncacheable === b.uncacheable &&
    a.vary.length === b.vary.length &&
    a.vary.every((name, i) => name === b.vary[i])
  );
}
