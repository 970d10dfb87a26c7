/**
 * Routes plugins add to the admin API (e.g. the cache's `DELETE /cache`), so the admin package needs no
 * knowledge of them. They are served behind the admin API's authentication, under the same JSON errors.
 */
import type { RequestHandler } from "express";
import type { SharedRegistry } from "../pipeline/define.js";

/** A route contributed to the admin API. */
export interface AdminRoute {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Express path, e.g. `/cache`. */
  readonly path: string;
  /** Receives a JSON-parsed `req.body`; errors go to the admin API's error handler. */
  readonly handle: RequestHandler;
}

const KEY = "turnpike.admin.routes";

/** The admin routes registered so far (the admin API reads this on each request). */
export function adminRoutes(shared: SharedRegistry): AdminRoute[] {
  return shared.get<AdminRoute[]>(KEY, () => []);
}

/** Registers `route` once per method and path (a later registration replaces an earlier one). */
export function registerAdminRoute(shared: SharedRegistry, route: AdminRoute): void {
  const routes = adminRoutes(shared);
  const i = routes.findIndex((r) => r.method === route.method && r.path === route.path);
  if (i === -1) routes.push(route);
  else routes[i] = route;
}
