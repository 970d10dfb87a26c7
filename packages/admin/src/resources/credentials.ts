/**
 * `/credentials`: Express Gateway's credentials resource (lib/rest/routes/credentials.js). Secrets are
 * in the answer to `POST /credentials` only: the store keeps hashes, and every other answer is a
 * `CredentialRecord`, which has no secret field.
 */
import express, { type Request, type Router } from "express";
import { GatewayError } from "@turnpike/core";
import { CREDENTIAL_TYPES, type CredentialInput, type CredentialType } from "@turnpike/policy-auth";
import { readQuery } from "../http/query.js";
import { param, resource } from "../http/resource-route.js";
import { asList, checkFields, validateBody, validationError, type FieldTable } from "../http/validate-body.js";
import { storeCall } from "../store/store-errors.js";
import type { StoreAccess } from "../store/store-access.js";
import { CREDENTIAL_FIELDS, CREDENTIAL_SCOPES, NEW_CREDENTIAL, SCOPES, STATUS_CHANGE } from "./fields.js";
import { statusAnswer } from "./status-answer.js";

const ANY_CREDENTIAL_FIELDS: FieldTable = Object.assign({}, ...Object.values(CREDENTIAL_FIELDS)) as FieldTable;

function isCredentialType(type: unknown): type is CredentialType {
  return typeof type === "string" && (CREDENTIAL_TYPES as readonly string[]).includes(type);
}

function typeProblem(path: string): { path: string; message: string } {
  return { path, message: `must be one of: ${CREDENTIAL_TYPES.join(", ")}` };
}

/** The `:type` of a credential path. @throws GatewayError VALIDATION_FAILED for an unknown type. */
function typeParam(req: Request): CredentialType {
  const type = param(req, "type");
  if (!isCredentialType(type)) throw validationError([typeProblem("type")]);
  return type;
}

/** The credentials routes. */
export function credentialsRouter(access: StoreAccess): Router {
  const router = express.Router();

  const load = async (req: Request) => {
    const type = typeParam(req);
    const credential = await storeCall(access.store().getCredential(type, param(req, "id")));
    if (!credential) throw new GatewayError("RESOURCE_NOT_FOUND", `No ${type} credential with id ${JSON.stringify(param(req, "id"))}`);
    return credential;
  };

  const consumerCredentials = async (consumerIdOrName: string) => {
    const consumer = await storeCall(access.store().getConsumer(consumerIdOrName));
    if (!consumer) throw new GatewayError("RESOURCE_NOT_FOUND", `No user or app with id or name ${JSON.stringify(consumerIdOrName)}`);
    return storeCall(access.store().listCredentials(consumer.id));
  };

  resource(router, "/credentials", {
    async GET(req, res) {
      const { start, count, consumerId } = readQuery(req, ["consumerId"]);
      if (consumerId !== undefined) {
        // One consumer holds a handful of credentials: one page.
        res.json({ credentials: await consumerCredentials(consumerId), nextKey: 0 });
        return;
      }
      const page = await storeCall(access.store().listAllCredentials(start === undefined ? { count } : { start, count }));
      res.json({ credentials: page.items, nextKey: page.nextKey ?? 0, total: page.total });
    },
    async POST(req, res) {
      const body = req.body as Record<string, unknown> | undefined;
      const type = body?.type;
      const known = isCredentialType(type);
      const table: FieldTable = {
        ...NEW_CREDENTIAL,
        credential: { kind: "object", fields: known ? CREDENTIAL_FIELDS[type]! : ANY_CREDENTIAL_FIELDS },
      };
      const problems = checkFields(table, body);
      if (type !== undefined && typeof type === "string" && !known) problems.unshift(typeProblem("type"));
      if (problems.length > 0) throw validationError(problems);
      const { consumerId, credential = {} } = body as { consumerId: string; credential?: CredentialInput & { scopes?: string | string[] } };
      const input: CredentialInput = { ...credential };
      const scopes = asList(credential.scopes);
      if (scopes !== undefined) input.scopes = scopes;
      // Express Gateway answered an unknown consumer with 422: a bad reference in the body, hence 400 here.
      const consumer = await storeCall(access.store().getConsumer(consumerId));
      if (!consumer) throw validationError([{ path: "consumerId", message: "no user or app has this id or name" }]);
      const issued = await storeCall(access.store().createCredential(consumer.id, type as CredentialType, input));
      // Express Gateway returned a basic-auth password only when it generated it: the caller knows its own.
      const { password, ...shown } = issued;
      const answer = password !== undefined && input.password === undefined ? { ...shown, password } : shown;
      res
        .status(201)
        .location(`/credentials/${issued.type}/${encodeURIComponent(issued.id)}`)
        .json(answer);
    },
  });

  // Express Gateway's form of the per-consumer list.
  resource(router, "/credentials/:consumerId", {
    async GET(req, res) {
      res.json({ credentials: await consumerCredentials(param(req, "consumerId")) });
    },
  });

  resource(router, "/credentials/:type/:id", {
    async GET(req, res) {
      res.json(await load(req));
    },
    async DELETE(req, res) {
      const credential = await load(req);
      await storeCall(access.store().removeCredential(credential.type, credential.id));
      res.status(204).end();
    },
  });

  resource(router, "/credentials/:type/:id/status", {
    async PUT(req, res) {
      const { status } = validateBody<{ status: boolean }>(STATUS_CHANGE, req.body);
      const credential = await load(req);
      if (credential.isActive !== status) await storeCall(access.store().setCredentialStatus(credential.type, credential.id, status));
      res.json(statusAnswer(credential.isActive, status));
    },
  });

  resource(router, "/credentials/:type/:id/scopes", {
    async GET(req, res) {
      res.json({ scopes: (await load(req)).scopes });
    },
    async PUT(req, res) {
      const scopes = asList(validateBody<{ scopes: string | string[] }>(CREDENTIAL_SCOPES, req.body).scopes)!;
      const credential = await load(req);
      await storeCall(access.store().updateCredentialScopes(credential.type, credential.id, { set: scopes }));
      res.status(204).end();
    },
  });

  resource(router, "/credentials/:type/:id/scopes/:scope", {
    async PUT(req, res) {
      const scope = param(req, "scope");
      const problems = checkFields({ scope: SCOPES }, { scope });
      if (problems.length > 0) throw validationError(problems);
      const credential = await load(req);
      await storeCall(access.store().updateCredentialScopes(credential.type, credential.id, { add: [scope] }));
      res.status(204).end();
    },
    async DELETE(req, res) {
      const credential = await load(req);
      await storeCall(access.store().updateCredentialScopes(credential.type, credential.id, { remove: [param(req, "scope")] }));
      res.status(204).end();
    },
  });

  return router;
}
