/**
 * Body sizes: how configuration writes them (`"512kb"`, `"1mb"` or bytes), and the one 413 every
 * body limit answers with.
 */
import type { Response } from "express";
import { GatewayError } from "../errors.js";

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * Parses a size: a number of bytes, or a string such as `"512kb"`, `"1mb"`, `"1.5 MB"` (1024-based).
 * @returns the size in bytes, or undefined when `value` is not a size.
 */
export function parseByteSize(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? "b").toLowerCase()]!);
}

/** The 413 for a body over `limit`; the connection closes after the answer. */
export function payloadTooLarge(res: Response, limit: number): GatewayError {
  // The unread rest of the body is not drained: the connection closes after the answer.
  res.setHeader("connection", "close");
  return new GatewayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`);
}
