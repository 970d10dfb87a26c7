/**
 * Parsing `Cache-Control` (RFC 9111 §5.2) into the few directives a shared cache acts on.
 */

/** The directives of one `Cache-Control` field that matter to a shared cache. */
export interface CacheControl {
  noStore: boolean;
  noCache: boolean;
  /** `private`, qualified or not: a shared cache stores neither form. */
  private: boolean;
  public: boolean;
  mustRevalidate: boolean;
  proxyRevalidate: boolean;
  /** Seconds, or undefined when absent. An unparsable value counts as 0 (the response is stale). */
  maxAge: number | undefined;
  sMaxAge: number | undefined;
  /** RFC 5861 extensions, seconds. */
  staleWhileRevalidate: number | undefined;
  staleIfError: number | undefined;
}

// delta-seconds (RFC 9111 §1.2.2): digits only; values too large to represent are capped at 2^31.
const MAX_DELTA = 2147483648;

function deltaSeconds(value: string | undefined): number {
  if (value === undefined) return 0;
  const unquoted = value.length >= 2 && value.charCodeAt(0) === 0x22 ? value.slice(1, -1) : value;
  if (!/^\d+$/.test(unquoted)) return 0;
  const n = Number(unquoted);
  return n > MAX_DELTA ? MAX_DELTA : n;
}

/** Splits a field value on commas outside quoted strings. */
function splitDirectives(text: string): string[] {
  if (!text.includes('"')) return text.split(",");
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */ && quoted) i++;
    else if (c === 0x22) quoted = !quoted;
    else if (c === 0x2c && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Parses one or more `Cache-Control` field values. Directive names are case-insensitive; when a
 * directive repeats, the most restrictive reading wins (the smallest max-age).
 */
export function parseCacheControl(field: string | string[] | undefined): CacheControl {
  const cc: CacheControl = {
    noStore: false,
    noCache: false,
    private: false,
    public: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    maxAge: undefined,
    sMaxAge: undefined,
    staleWhileRevalidate: undefined,
    staleIfError: undefined,
  };
  if (field === undefined) return cc;
  const text = Array.isArray(field) ? field.join(",") : field;
  const min = (current: number | undefined, next: number): number => (current === undefined ? next : Math.min(current, next));
  for (const part of splitDirectives(text)) {
    const eq = part.indexOf("=");
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? undefined : part.slice(eq + 1).trim();
    switch (name) {
      case "no-store":
        cc.noStore = true;
        break;
      case "no-cache":
        cc.noCache = true;
        break;
      case "private":
        cc.private = true;
        break;
      case "public":
        cc.public = true;
        break;
      case "must-revalidate":
        cc.mustRevalidate = true;
        break;
      case "proxy-revalidate":
        cc.proxyRevalidate = true;
        break;
      case "max-age":
        cc.maxAge = min(cc.maxAge, deltaSeconds(value));
        break;
      case "s-maxage":
        cc.sMaxAge = min(cc.sMaxAge, deltaSeconds(value));
        break;
      case "stale-while-revalidate":
        cc.staleWhileRevalidate = min(cc.staleWhileRevalidate, deltaSeconds(value));
        break;
      case "stale-if-error":
        cc.staleIfError = min(cc.staleIfError, deltaSeconds(value));
        break;
      default:
        break;
    }
  }
  return cc;
}

/** True when a request's `Cache-Control` carries `no-store` (the client asks that nothing be stored). */
export function requestForbidsStore(field: string | string[] | undefined): boolean {
  if (field === undefined) return false;
  const text = Array.isArray(field) ? field.join(",") : field;
  return /(?:^|,)\s*no-store\s*(?:,|$)/i.test(text);
}
