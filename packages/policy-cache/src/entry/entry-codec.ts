/**
 * The byte form of an entry in Redis: a 4-byte length, the metadata as JSON, then the body as is. One
 * GET returns everything a hit needs; the body is never re-encoded.
 */
import type { CachedEntry } from "./cached-entry.js";

// Derived fields travel too, so that a hit parses no dates and walks no headers.
interface EntryMeta {
  s: number;
  n: string[];
  v: (string | string[])[];
  rt: number;
  ia: number;
  fu: number;
  sw: number;
  se: number;
  ex: number;
  sh: boolean;
  vy: string[];
  nm: number[];
  et: string | null;
  mt: number;
  sz: number;
}

/** Encodes an entry for Redis. */
export function encodeEntry(entry: CachedEntry): Buffer {
  const meta: EntryMeta = {
    s: entry.status,
    n: entry.names as string[],
    v: entry.values as (string | string[])[],
    rt: entry.responseTime,
    ia: entry.initialAge,
    fu: entry.freshUntil,
    sw: entry.staleWhileRevalidateUntil,
    se: entry.staleIfErrorUntil,
    ex: entry.expiresAt,
    sh: entry.shareable,
    vy: entry.vary as string[],
    nm: entry.notModified as number[],
    et: entry.etag ?? null,
    mt: entry.modifiedTime,
    sz: entry.size,
  };
  const json = Buffer.from(JSON.stringify(meta));
  const out = Buffer.allocUnsafe(4 + json.length + entry.body.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  entry.body.copy(out, 4 + json.length);
  return out;
}

/** Decodes what {@link encodeEntry} wrote; undefined for anything malformed (treated as a miss). */
export function decodeEntry(data: Buffer): CachedEntry | undefined {
  if (data.length < 4) return undefined;
  const length = data.readUInt32BE(0);
  if (4 + length > data.length) return undefined;
  let meta: EntryMeta;
  try {
    meta = JSON.parse(data.toString("utf8", 4, 4 + length)) as EntryMeta;
  } catch {
    return undefined;
  }
  if (
    typeof meta?.s !== "number" ||
    !Array.isArray(meta.n) ||
    !Array.isArray(meta.v) ||
    meta.n.length !== meta.v.length ||
    !Array.isArray(meta.nm)
  )
    return undefined;
  const body = data.subarray(4 + length);
  return {
    status: meta.s,
    names: meta.n,
    values: meta.v,
    notModified: meta.nm,
    body,
    contentLength: String(body.length),
    etag: meta.et ?? undefined,
    modifiedTime: meta.mt,
    responseTime: meta.rt,
    initialAge: meta.ia,
    freshUntil: meta.fu,
    staleWhileRevalidateUntil: meta.sw,
    staleIfErrorUntil: meta.se,
    expiresAt: meta.ex,
    shareable: meta.sh,
    vary: meta.vy,
    size: meta.sz,
  };
}
