/**
 * A gateway running auth policies in-process: its pipeline runs the given steps, then a `test-echo`
 * step that answers with what the request looked like after them (consumer, req.user, url, headers).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGateway, definePolicy, silentLogger, type Gateway } from "@turnpike/core";
import plugin from "../src/index.js";

const echoPolicy = definePolicy({
  name: "test-echo",
  schema: { type: "object", properties: {} },
  create: () =>
    function testEcho(req, res) {
      res.json({
        consumer: res.locals.turnpike.consumer ?? null,
        user: (req as { user?: unknown }).user ?? null,
        url: req.url,
        headers: req.headers,
      });
    },
});

/** A temporary data directory, removed by `cleanup()`. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-auth-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Options of {@link authGateway}. */
export interface AuthGatewayOptions {
  /** Pipeline steps before the echo, e.g. `[{ "key-auth": {} }]`. */
  steps: Record<string, unknown>[];
  /** Where the SQLite store lives. */
  dataDir: string;
  consumers?: unknown[];
  scopes?: string[];
  /** Proxy to this upstream instead of echoing. */
  upstream?: string;
  config?: Record<string, unknown>;
}

/** Starts a gateway (not listening: use `gw.app` with supertest) running the auth plugin's policies. */
export function authGateway(options: AuthGatewayOptions): Promise<Gateway> {
  return createGateway({
    logger: silentLogger,
    policies: [...plugin.policies!, echoPolicy],
    config: {
      ...options.config,
      admin: { port: 0, dataDir: options.dataDir },
      ...(options.consumers ? { consumers: options.consumers } : {}),
      apiEndpoints: { all: { paths: ["/*"], scopes: options.scopes ?? [] } },
      pipelines: {
        test: {
          apiEndpoints: ["all"],
          policies: [...options.steps, options.upstream ? { proxy: { url: options.upstream } } : { "test-echo": {} }],
        },
      },
    },
  });
}

/** A declared consumer with one key-auth credential. */
export const ALICE = {
  username: "alice",
  email: "alice@example.com",
  credentials: [{ type: "key-auth", keyId: "alice-key", keySecret: "alice-secret", scopes: ["read"] }],
};

/** `Authorization` value for alice's key. */
export const ALICE_KEY = "apiKey alice-key:alice-secret";

/** A header value sent twice (supertest's types accept one string; Node sends each array item as a line). */
export function twice(value: string, second = value): string {
  return [value, second] as unknown as string;
}
