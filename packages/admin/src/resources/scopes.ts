/**
 * `/scopes`: Express Gateway's scope registry (lib/rest/routes/scopes.js). Scopes the configuration uses
 * (apiEndpoints, declared credentials) are listed too and cannot be removed.
 */
import express, { type Router } from "express";
import { GatewayError } from "@turnpike/core";
import { param, resource } from "../http/resource-route.js";
import { asList, checkFields, validateBody, validationError } from "../http/validate-body.js";
import { storeCall } from "../store/store-errors.js";
import type { StoreAccess } from "../store/store-access.js";
import { NEW_SCOPES, SCOPES } from "./fields.js";

function checkScopeName(scope: string): void {
  const problems = checkFields({ scope: SCOPES }, { scope });
  if (problems.length > 0) throw validationError(problems);
}

/** The scopes routes. */
export function scopesRouter(access: StoreAccess): Router {
  const router = express.Router();

  resource(router, "/scopes", {
    async GET(_req, res) {
      const scopes = await storeCall(access.store().listScopes());
      res.json({ scopes: scopes.map((s) => s.name) });
    },
    async POST(req, res) {
      const scopes = asList(validateBody<{ scopes: string | string[] }>(NEW_SCOPES, req.body).scopes)!;
      if (scopes.length === 0) throw validationError([{ path: "scopes", message: "must name at least one scope" }]);
      if (new Set(scopes).size !== scopes.length) throw validationError([{ path: "scopes", message: "must not repeat a scope" }]);
      await storeCall(access.store().createScopes(scopes));
      res.status(201).json({ scopes });
    },
  });

  resource(router, "/scopes/:scope", {
    async GET(req, res) {
      const scope = param(req, "scope");
      if (!(await storeCall(access.store().hasScope(scope))))
        throw new GatewayError("RESOURCE_NOT_FOUND", `No scope ${JSON.stringify(scope)}`);
      res.json({ scope });
    },
    async PUT(req, res) {
      const scope = param(req, "scope");
      checkScopeName(scope);
      await storeCall(access.store().createScopes([scope]));
      res.status(201).json({ scope });
    },
    async DELETE(req, res) {
      await storeCall(access.store().removeScope(param(req, "scope")));
      res.status(204).end();
    },
  });

  return router;
}
