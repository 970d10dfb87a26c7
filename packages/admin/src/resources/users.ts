/**
 * `/users`: Express Gateway's users resource (lib/rest/routes/users.js), with 201 on create, 404/409
 * answers in JSON, and declared users read-only (409).
 */
import express, { type Router } from "express";
import { GatewayError } from "@turnpike/core";
import type { UserChanges, UserInput } from "@turnpike/policy-auth";
import { readQuery } from "../http/query.js";
import { param, resource } from "../http/resource-route.js";
import { validateBody } from "../http/validate-body.js";
import { storeCall } from "../store/store-errors.js";
import type { StoreAccess } from "../store/store-access.js";
import { NEW_USER, STATUS_CHANGE, USER_CHANGES } from "./fields.js";
import { statusAnswer } from "./status-answer.js";

/** The users routes. */
export function usersRouter(access: StoreAccess): Router {
  const router = express.Router();

  const load = async (idOrUsername: string) => {
    const user = await storeCall(access.store().getUser(idOrUsername));
    if (!user) throw new GatewayError("RESOURCE_NOT_FOUND", `No user with id or username ${JSON.stringify(idOrUsername)}`);
    return user;
  };

  resource(router, "/users", {
    async GET(req, res) {
      const { start, count } = readQuery(req);
      const page = await storeCall(access.store().listUsers(start === undefined ? { count } : { start, count }));
      res.json({ users: page.items, nextKey: page.nextKey ?? 0, total: page.total });
    },
    async POST(req, res) {
      const input = validateBody<UserInput>(NEW_USER, req.body);
      const user = await storeCall(access.store().createUser(input));
      res
        .status(201)
        .location(`/users/${encodeURIComponent(user.id)}`)
        .json(user);
    },
  });

  resource(router, "/users/:id", {
    async GET(req, res) {
      res.json(await load(param(req, "id")));
    },
    async PUT(req, res) {
      const { username, ...changes } = validateBody<UserChanges & { username?: string }>(USER_CHANGES, req.body);
      const user = await load(param(req, "id"));
      if (username !== undefined && username !== user.username)
        throw new GatewayError("VALIDATION_FAILED", "Invalid request: username: cannot be changed");
      res.json(await storeCall(access.store().updateUser(user.id, changes)));
    },
    async DELETE(req, res) {
      const user = await load(param(req, "id"));
      await storeCall(access.store().removeUser(user.id));
      res.status(204).end();
    },
  });

  resource(router, "/users/:id/status", {
    async PUT(req, res) {
      const { status } = validateBody<{ status: boolean }>(STATUS_CHANGE, req.body);
      const user = await load(param(req, "id"));
      if (user.isActive !== status) await storeCall(access.store().setUserStatus(user.id, status));
      res.json(statusAnswer(user.isActive, status));
    },
  });

  return router;
}
