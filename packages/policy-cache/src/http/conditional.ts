/**
 * Evaluating a client's conditional GET (`If-None-Match`, `If-Modified-Since`) against a stored or
 * incoming response, so the gateway can answer 304 itself (RFC 9110 §13.1.2, §13.1.3; RFC 9111 §4.3.2).
 */

/** The conditional headers of a request. */
export interface ClientConditional {
  readonly ifNoneMatch: string | undefined;
  readonly ifModifiedSince: string | undefined;
}

function opaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith("W/") ? t.slice(2) : t;
}

/**
 * True when the condition says "not modified": If-None-Match matches the entity tag (weak comparison),
 * or, only when If-None-Match is absent, nothing changed since If-Modified-Since.
 */
export function isNotModified(conditional: ClientConditional, etag: string | undefined, modifiedTime: number): boolean {
  const inm = conditional.ifNoneMatch;
  if (inm !== undefined) {
    if (etag === undefined) return false;
    if (inm.trim() === "*") return true;
    const tag = opaque(etag);
    return inm.split(",").some((candidate) => opaque(candidate) === tag);
  }
  const ims = conditional.ifModifiedSince;
  if (ims === undefined || Number.isNaN(modifiedTime)) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && modifiedTime <= since;
}
