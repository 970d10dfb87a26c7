/**
 * What the throttling policies tell `explain`: the bucket a request would count in, read with the
 * step's own compiled key (a request without a key of its own counts by client IP, apart).
 */
import type { Request, Response } from "express";
import type { ThrottleKey } from "./compile-key.js";

/** The key a request counts under, as shown by `explain` (`ip 127.0.0.1` for the client-IP fallback). */
export function explainKey(key: ThrottleKey, req: Request, res: Response): { key: string; by: string } {
  const read = key.read(req, res);
  if (read !== "") return { key: read, by: key.source };
  return { key: `ip ${key.clientKey(res)}`, by: key.isClientIp ? key.source : `${key.source} (absent: counted by client IP)` };
}
