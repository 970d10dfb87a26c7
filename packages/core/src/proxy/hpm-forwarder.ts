/**
 * The alternative forwarding engine, `engine: http-proxy-middleware` (http-proxy-middleware 3 over
 * node-http-proxy and a keep-alive http.Agent). The same header rules apply as with the default undici
 * engine; see docs/performance.md for how the two compare.
 */
import type { NextFunction, Request, Response } from "express";
import http from "node:http";
import https from "node:https";
import { createProxyMiddleware, type RequestHandler } from "http-proxy-middleware";
import { GatewayError } from "../errors.js";
import { connectionTokens, HOP_BY_HOP } from "./forwarded-headers.js";
import { upstreamError } from "./undici-forwarder.js";

const NEXT = Symbol("turnpike.hpm.next");
type WithNext = Response & { [NEXT]?: NextFunction };

/** Options the engine needs. */
export interface HpmTargetOptions {
  origin: string;
  proxyTimeout: number;
  connectTimeout: number;
  keepAliveTimeout: number;
  rejectUnauthorized: boolean;
}

/** One upstream origin served through http-proxy-middleware. */
export interface HpmTarget {
  forward(req: Request, res: Response, headers: string[], path: string, next: NextFunction): void;
  close(): void;
}

/** Creates the engine for one upstream origin. */
export function createHpmTarget(options: HpmTargetOptions): HpmTarget {
  const secure = options.origin.startsWith("https:");
  const agent = secure
    ? new https.Agent({ keepAlive: true, timeout: options.keepAliveTimeout, rejectUnauthorized: options.rejectUnauthorized })
    : new http.Agent({ keepAlive: true, timeout: options.keepAliveTimeout });
  const middleware: RequestHandler = createProxyMiddleware({
    target: options.origin,
    agent,
    changeOrigin: false,
    xfwd: false,
    secure: options.rejectUnauthorized,
    ejectPlugins: true,
    on: {
      proxyReq(proxyReq) {
        proxyReq.setTimeout(options.proxyTimeout, () => proxyReq.destroy(Object.assign(new Error("upstream timeout"), { code: "UND_ERR_HEADERS_TIMEOUT" })));
      },
      proxyRes(proxyRes) {
        const named = connectionTokens(proxyRes.headers.connection);
        for (const name of Object.keys(proxyRes.headers)) {
          if (HOP_BY_HOP.has(name) || named?.has(name)) delete proxyRes.headers[name];
        }
      },
      error(err, _req, res) {
        const next = (res as WithNext)[NEXT];
        if (next && !(res as Response).headersSent) next(upstreamError(err));
        else (res as Response).destroy?.();
      },
    },
  });
  return {
    forward(req, res, headers, path, next) {
      const object: http.IncomingHttpHeaders = {};
      for (let i = 0; i < headers.length; i += 2) {
        const name = headers[i]!;
        const existing = object[name];
        object[name] = existing === undefined ? headers[i + 1]! : `${existing}, ${headers[i + 1]!}`;
      }
      req.headers = object;
      req.url = path;
      (res as WithNext)[NEXT] = next;
      void middleware(req, res, (err?: unknown) => next(err ?? new GatewayError("UPSTREAM_UNAVAILABLE")));
    },
    close: () => agent.destroy(),
  };
}
