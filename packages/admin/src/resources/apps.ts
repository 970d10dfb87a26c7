/**
 * `/apps`: Express Gateway's applications resource (lib/rest/routes/apps.js). An app belongs to a user
 * and holds credentials like a user does.
 */
import express, { type Router } from "express";
import { GatewayError } from "@turnpike/core";
import type { AppChanges } from "@turnpike/policy-auth";
import { readQuery } from "../http/query.js";
import { param, resource } from "../http/resource-route.js";
import { validateBody, validationError } from "../http/validate-body.js";
import { storeCall } from "../store/store-errors.js";
import type { StoreAccess } from "../store/store-access.js";
import { APP_CHANGES, NEW_APP, STATUS_CHANGE } from "./fields.js";
import { statusAnswer } from "./status-answer.js";

/** The apps routes. */
export function appsRouter(access: StoreAccess): Router {
  const router = express.Router();

  const load = async (idOrName: string) => {
    const app = await storeCall(access.store().getApp(idOrName));
    if (!app) throw new GatewayError("RESOURCE_NOT_FOUND", `No app with id or name ${JSON.stringify(idOrName)}`);
    return app;
  };

  resource(router, "/apps", {
    async GET(req, res) {
      const { start, count, userId } = readQuery(req, ["userId"]);
      const request: { start?: string; count: number; userId?: string } = { count };
      if (start !== undefined) request.start = start;
      if (userId !== undefined) {
        const user = await storeCall(access.store().getUser(userId));
        if (!user) throw new GatewayError("RESOURCE_NOT_FOUND", `No user with id or username ${JSON.stringify(userId)}`);
        request.userId = user.id;
      }
      const page = await storeCall(access.store().listApps(request));
      res.json({ apps: page.items, nextKey: page.nextKey ?? 0, total: page.total });
    },
    async POST(req, res) {
      const { userId, ...input } = validateBody<{ userId: string; name: string; redirectUri?: string }>(NEW_APP, req.body);
      // Express Gateway answered a missing owner with 409 ("does not exist"); it is a bad reference in the body.
      const user = await storeCall(access.store().getUser(userId));
      if (!user) throw validationError([{ path: "userId", message: "no user has this id or username" }]);
      const app = await storeCall(access.store().createApp(user.id, input));
      res
        .status(201)
        .location(`/apps/${encodeURIComponent(app.id)}`)
        .json(app);
    },
  });

  resource(router, "/apps/:id", {
    async GET(req, res) {
      res.json(await load(param(req, "id")));
    },
    async PUT(req, res) {
      const changes = validateBody<AppChanges>(APP_CHANGES, req.body);
      const app = await load(param(req, "id"));
      res.json(await storeCall(access.store().updateApp(app.id, changes)));
    },
    async DELETE(req, res) {
      const app = await load(param(req, "id"));
      await storeCall(access.store().removeApp(app.id));
      res.status(204).end();
    },
  });

  resource(router, "/apps/:id/status", {
    async PUT(req, res) {
      const { status } = validateBody<{ status: boolean }>(STATUS_CHANGE, req.body);
      const app = await load(param(req, "id"));
      if (app.isActive !== status) await storeCall(access.store().setAppStatus(app.id, status));
      res.json(statusAnswer(app.isActive, status));
    },
  });

  return router;
}
