/**
 * One log line per admin request, after it is answered: the method, the path (never the query or the
 * body, which may carry secrets), the status, the peer and the request id. Changes and refused tokens are logged at `info`, an
 * operator's audit trail; reads at `debug`.
 */
import type { RequestHandler } from "express";
import type { Logger } from "@turnpike/core";

/** Middleware logging each admin request once answered. */
export function auditLog(logger: Logger): RequestHandler {
  return function logAdminRequest(req, res, next) {
    res.once("finish", () => {
      const read = req.method === "GET" || req.method === "HEAD";
      const path = req.originalUrl.split("?", 1)[0];
      logger[read && res.statusCode !== 401 ? "debug" : "info"](
        "%s %s %d (%s) %s",
        req.method,
        path,
        res.statusCode,
        req.socket.remoteAddress ?? "-",
        res.getHeader("x-request-id") ?? "-",
      );
    });
    next();
  };
}
