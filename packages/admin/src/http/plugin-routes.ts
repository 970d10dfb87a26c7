/**
 * Routes plugins contribute with `registerAdminRoute(gateway.stores.shared, ...)` (e.g. the cache's
 * `DELETE /cache`). The list may grow when a reload loads another plugin, so it is read on each request;
 * the Express router built from it is rebuilt only when the list changed.
 */
import express, { type RequestHandler, type Router } from "express";
import { adminRoutes, type AdminRoute, type SharedRegistry } from "@turnpike/core";
import { allowHeader, methodNotAllowed } from "./resource-route.js";

function buildRouter(routes: readonly AdminRoute[]): Router {
  const router = express.Router();
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    // Express 5 sends a thrown error or a rejected promise of the handler to the error handler.
    router[route.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete"](route.path, route.handle);
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
  }
  for (const [path, methods] of methodsByPath) router.all(path, methodNotAllowed(allowHeader(methods)));
  return router;
}

/** Middleware serving the plugins' admin routes registered in `shared` (unmatched requests fall through). */
export function pluginRoutes(shared: SharedRegistry): RequestHandler {
  let seen: readonly AdminRoute[] = [];
  let router: Router = express.Router();
  return function servePluginRoute(req, res, next) {
    const routes = adminRoutes(shared);
    if (routes.length !== seen.length || routes.some((r, i) => r !== seen[i])) {
      seen = [...routes];
      router = buildRouter(seen);
    }
    router(req, res, next);
  };
}
