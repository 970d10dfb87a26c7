/**
 * Registering a resource's methods on one path, so that a method the resource does not support gets
 * 405 with an `Allow` header instead of falling through to 404.
 */
import type { Request, Response, Router } from "express";
import { GatewayError } from "@turnpike/core";

/** HTTP methods the admin API serves. */
export type AdminMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A route handler; a rejected promise goes to the admin API's error handler. */
export type AdminHandler = (req: Request, res: Response) => void | Promise<void>;

/** Builds the `Allow` value for a set of methods (HEAD goes with GET). */
export function allowHeader(methods: readonly string[]): string {
  const set = new Set(methods);
  if (set.has("GET")) set.add("HEAD");
  return [...set].join(", ");
}

/** Middleware answering 405 with `Allow` (for a path whose other methods are served elsewhere). */
export function methodNotAllowed(allow: string): (req: Request, res: Response, next: (err?: unknown) => void) => void {
  return (req, _res, next) =>
    next(new GatewayError("METHOD_NOT_ALLOWED", `${req.method} is not allowed here (allowed: ${allow})`, { headers: { Allow: allow } }));
}

/**
 * Serves `handlers` on `path` of `router`; any other method answers 405 with `Allow`.
 *
 * @example
 * ```ts
 * resource(router, "/users/:id", { GET: showUser, PUT: updateUser, DELETE: removeUser });
 * ```
 */
export function resource(router: Router, path: string, handlers: Partial<Record<AdminMethod, AdminHandler>>): void {
  const allow = allowHeader(Object.keys(handlers));
  router.all(path, async (req, res) => {
    const method = req.method === "HEAD" ? "GET" : (req.method as AdminMethod);
    const handler = handlers[method];
    if (!handler)
      throw new GatewayError("METHOD_NOT_ALLOWED", `${req.method} is not allowed here (allowed: ${allow})`, { headers: { Allow: allow } });
    await handler(req, res);
  });
}

/** A named `:param` of the matched path (always one string for the routes of this API). */
export function param(req: Request, name: string): string {
  const value = req.params[name] as string | string[] | undefined;
  return Array.isArray(value) ? value.join("/") : (value ?? "");
}
