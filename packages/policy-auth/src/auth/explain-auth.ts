/**
 * What an auth step tells `explain`: where it looks for which credential type, and what its own
 * middleware decided for the request (found and admitted, refused and why), so the explanation is the
 * policy's decision, not a copy of its rules. With `--consumer NAME` (and no consumer yet), the step
 * admits that consumer from the store without a credential, and says so.
 */
import { observeMiddleware, type ExplainContext, type PolicyContext, type PolicyExplanation, type PolicyMiddleware } from "@turnpike/core";
import type { Request, Response } from "express";
import type { CredentialType } from "../store/consumer-store.js";
import { consumerStore } from "../store/shared-consumer-store.js";
import { admit } from "./auth-outcome.js";

/** Builds the explainer of an auth step from its middleware and a sentence saying where it looks. */
export function explainAuth(
  type: CredentialType,
  looksFor: string,
  handle: PolicyMiddleware,
  ctx: PolicyContext,
): (req: Request, res: Response, context: ExplainContext) => Promise<PolicyExplanation> {
  const lookFor = `looks for a ${type} credential ${looksFor}`;
  return async (req, res, context) => {
    const state = res.locals.turnpike;
    const details: Record<string, unknown> = { credentialType: type };
    if (context.assumedConsumer !== undefined && state.consumer === undefined) {
      const store = consumerStore(ctx.stores, ctx.config);
      const owner = await store.getConsumer(context.assumedConsumer);
      if (owner === undefined)
        return {
          summary: `${lookFor}: --consumer ${context.assumedConsumer} is not a known consumer: 401`,
          details,
          outcome: "answer",
          status: 401,
        };
      const credentials = (await store.listCredentials(owner.id)).filter((c) => c.type === type && c.isActive);
      const scopes = [...new Set(credentials.flatMap((c) => c.scopes))];
      const username = owner.type === "user" ? owner.username : owner.name;
      const consumer = { id: owner.id, username, type: owner.type, scopes };
      if (!owner.isActive)
        return { summary: `${lookFor}: consumer ${username} (assumed) is inactive: 401`, details, outcome: "answer", status: 401 };
      if (!admit(req, res, consumer, { ...owner, username, scopes }, scopes))
        return {
          summary: `${lookFor}: consumer ${username} (assumed) lacks the endpoint's scopes: 403`,
          details,
          outcome: "answer",
          status: 403,
        };
      return {
        summary: `${lookFor}: consumer ${username} assumed (--consumer), credential not checked; scopes [${scopes.join(", ")}]`,
        details: { ...details, consumer: username, assumed: true },
      };
    }
    const outcome = await observeMiddleware(handle, req, res);
    if (outcome.kind === "next") {
      const consumer = state.consumer;
      if (consumer === undefined)
        return { summary: `${lookFor}: none accepted; passThrough lets the request on anonymously`, details: { ...details, found: false } };
      return {
        summary: `${lookFor}: found ${consumer.credential?.id ?? consumer.id} of ${consumer.username ?? consumer.id} (scopes [${consumer.scopes.join(", ")}])`,
        details: { ...details, found: true, credential: consumer.credential?.id ?? null, consumer: consumer.username ?? consumer.id },
      };
    }
    if (outcome.kind === "answer")
      return { summary: `${lookFor}: answers ${outcome.status}`, details, outcome: "answer", status: outcome.status };
    return {
      summary: `${lookFor}: ${outcome.status} ${outcome.code} (${outcome.message})`,
      details: { ...details, found: outcome.status === 403 },
      outcome: "answer",
      status: outcome.status,
    };
  };
}
