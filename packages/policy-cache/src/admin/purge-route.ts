/**
 * `DELETE /cache` on the admin API: purges every entry, the entries under a path prefix, or one
 * resource (all its variants). It is registered through the core's admin route hook, so the admin
 * package serves it behind its own authentication.
 */
import { GatewayError, type AdminRoute } from "@turnpike/core";
import type { CacheRegistry } from "../runtime/cache-registry.js";
import { parseSelector } from "./purge-selector.js";

/**
 * The purge route for `registry`. Body (or query parameters): `{"all": true}`, `{"prefix": "/users/"}`
 * or `{"key": "/users/42?x=1"}`, the last two optionally with `"host"`. Answers `{"purged": n}`.
 */
export function purgeRoute(registry: CacheRegistry): AdminRoute {
  return {
    method: "DELETE",
    path: "/cache",
    handle(req, res, next) {
      let selector;
      try {
        selector = parseSelector(req.body, (req.query ?? {}) as Record<string, unknown>);
      } catch (err) {
        return next(err);
      }
      registry.purge(selector).then(
        (purged) => res.status(200).json({ purged }),
        (err: unknown) => next(new GatewayError("STORE_UNAVAILABLE", "The cache store could not be purged", { cause: err })),
      );
    },
  };
}
