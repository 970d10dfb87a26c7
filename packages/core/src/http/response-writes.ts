/**
 * Helpers for policies that intercept `writeHead`/`write` on a response (the cache capturing a body, a
 * transformer holding one): Node accepts headers and chunks in several shapes, and an interceptor must
 * see them all in one.
 */
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Merges headers passed to `writeHead` itself (an object, a flat raw list or pairs) into `res`. */
export function applyHeaderArgument(res: ServerResponse, headers: OutgoingHttpHeaders | readonly OutgoingHttpHeader[] | undefined): void {
  if (headers === undefined || headers === null) return;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as unknown as [string, string][]) res.setHeader(pair[0], pair[1]);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1] as string);
    }
    return;
  }
  for (const name of Object.keys(headers)) {
    const value = (headers as OutgoingHttpHeaders)[name];
    if (value !== undefined) res.setHeader(name, value);
  }
}

/** A chunk given to `write`/`end` (string, Buffer or typed array) as a Buffer, without copying a Buffer. */
export function chunkToBuffer(chunk: unknown, encoding: BufferEncoding | undefined): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, encoding ?? "utf8");
  if (Buffer.isBuffer(chunk)) return chunk;
  const view = chunk as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** The arguments of `end` sorted out: `end(cb)`, `end(chunk, cb)` and `end(chunk, encoding, cb)`. */
export function endArguments(
  chunk: unknown,
  encoding: unknown,
  callback: unknown,
): { chunk: unknown; encoding: BufferEncoding | undefined; callback: unknown } {
  if (typeof chunk === "function") return { chunk: undefined, encoding: undefined, callback: chunk };
  if (typeof encoding === "function") return { chunk, encoding: undefined, callback: encoding };
  return { chunk, encoding: encoding as BufferEncoding | undefined, callback };
}

/**
 * Node derives Content-Length from a single `end(chunk)` only when it writes the head itself; an
 * interceptor that writes the head first sets it here, so the answer is not sent chunked for nothing.
 */
export function setLengthOfSingleEnd(res: ServerResponse, chunk: unknown, encoding: BufferEncoding | undefined): void {
  const status = res.statusCode;
  if (
    chunk === undefined ||
    chunk === null ||
    status === 204 ||
    status === 304 ||
    res.hasHeader("content-length") ||
    res.hasHeader("transfer-encoding")
  )
    return;
  res.setHeader(
    "content-length",
    typeof chunk === "string" ? Buffer.byteLength(chunk, encoding ?? "utf8") : (chunk as ArrayBufferView).byteLength,
  );
}
