/**
 * Media types and ranges as request bodies and responses name them: which documented entry a request's
 * Content-Type (or a response's) falls under, most specific first, and how such a body is read.
 */

/** A parsed media type or range (`application/json`, `text/*`, `*\/*`), lower-case, without parameters. */
export interface MediaRange {
  readonly type: string;
  readonly subtype: string;
}

/** How a body of a media type is read for validation. */
export type MediaKind = "json" | "form" | "multipart" | "wildcard" | "other";

/** Parses `type/subtype; params`; undefined when it is not a media type. */
export function parseMediaRange(text: string | undefined): MediaRange | undefined {
  if (text === undefined) return undefined;
  const [essence = ""] = text.split(";", 1);
  const m = /^\s*([a-z0-9!#$%&'*+.^_`|~-]+)\/([a-z0-9!#$%&'*+.^_`|~-]+)\s*$/i.exec(essence);
  if (!m) return undefined;
  return { type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase() };
}

/** JSON media types: `application/json`, `*\/*+json` (`application/problem+json`...). */
export function isJsonMedia(range: MediaRange): boolean {
  return range.subtype === "json" || range.subtype.endsWith("+json");
}

/** The reading a documented range calls for. */
export function mediaKind(range: MediaRange): MediaKind {
  if (range.type === "*" || range.subtype === "*") return "wildcard";
  if (isJsonMedia(range)) return "json";
  if (range.type === "application" && range.subtype === "x-www-form-urlencoded") return "form";
  if (range.type === "multipart" && range.subtype === "form-data") return "multipart";
  return "other";
}

/** How specifically `range` covers `media` (exact 3, `type/*` 2, `*\/*` 1), or 0 when it does not. */
export function coverage(range: MediaRange, media: MediaRange): number {
  if (range.type === "*" && range.subtype === "*") return 1;
  if (range.type !== media.type) return 0;
  if (range.subtype === "*") return 2;
  if (range.subtype === media.subtype) return 3;
  // `application/*+json` style ranges some documents use.
  if (range.subtype.startsWith("*+") && media.subtype.endsWith(range.subtype.slice(1))) return 2;
  return 0;
}

/** The entry whose range covers `media` most specifically (the first of equals), or undefined. */
export function bestMatch<T extends { readonly range: MediaRange }>(entries: readonly T[], media: MediaRange): T | undefined {
  let best: T | undefined;
  let bestScore = 0;
  for (const entry of entries) {
    const score = coverage(entry.range, media);
    if (score > bestScore) {
      best = entry;
      bestScore = score;
    }
  }
  return best;
}
