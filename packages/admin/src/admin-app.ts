/**
 * The admin API's Express app: `GET /health` open, everything else behind the bearer token, JSON bodies,
 * Express Gateway's resources, `GET /metrics`, plugin routes, and JSON errors in the core's shape.
 */
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express } from "express";
import { GatewayError, sendError, type ExplainInput, type Gateway } from "@turnpike/core";
import { auditLog } from "./http/audit-log.js";
import { bearerAuth } from "./http/bearer-auth.js";
import { jsonBody } from "./http/json-body.js";
import { pluginRoutes } from "./http/plugin-routes.js";
import { resource } from "./http/resource-route.js";
import type { AdminMetrics } from "./metrics/admin-metrics.js";
import { appsRouter } from "./resources/apps.js";
import { credentialsRouter } from "./resources/credentials.js";
import { scopesRouter } from "./resources/scopes.js";
import { usersRouter } from "./resources/users.js";
import type { StoreAccess } from "./store/store-access.js";

/** What {@link createAdminApp} needs. */
export interface AdminAppOptions {
  gateway: Gateway;
  /** The consumer store the resources read and write. */
  access: StoreAccess;
  metrics: AdminMetrics;
  /** The bearer token; undefined only on loopback (the core refuses anything else). */
  token: string | undefined;
}

/** Builds the admin API app (not listening). */
export function createAdminApp({ gateway, access, metrics, token }: AdminAppOptions): Express {
  const logger = gateway.logger.child("admin");
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "simple");

  app.use((_req, res, next) => {
    // Like the data plane, every answer carries an id the audit line names (CONTRACT §4). The admin
    // listener trusts no proxy, so a client-sent id is never reused.
    res.setHeader("x-request-id", randomUUID());
    // Answers may carry a secret (a new credential): no cache may keep any of them.
    res.setHeader("cache-control", "no-store");
    next();
  });
  app.use(auditLog(logger));

  const health = (_req: express.Request, res: express.Response): void => void res.json({ status: "ok" });
  app.get("/health", health);
  app.use(bearerAuth(token));
  resource(app as unknown as express.Router, "/health", { GET: health });

  app.use(...jsonBody());
  resource(app as unknown as express.Router, "/metrics", {
    async GET(_req, res) {
      const text = await metrics.render();
      res.setHeader("content-type", metrics.contentType);
      res.end(text);
    },
  });
  // What the current configuration would do with a request (nothing is sent upstream).
  resource(app as unknown as express.Router, "/explain", {
    async POST(req, res) {
      res.json(await gateway.explain(req.body as ExplainInput));
    },
  });
  app.use(usersRouter(access));
  app.use(appsRouter(access));
  app.use(credentialsRouter(access));
  app.use(scopesRouter(access));
  app.use(pluginRoutes(gateway.stores.shared));

  app.use((_req, _res, next) => next(new GatewayError("RESOURCE_NOT_FOUND", "No admin route matches this path")));
  const handleError: ErrorRequestHandler = (err, req, res, _next) => sendError(res, err, logger, req.method);
  app.use(handleError);
  return app;
}
