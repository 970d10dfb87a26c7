/**
 * A real gateway (createGateway with an `admin:` block, SQLite in a temp dir, a key-auth pipeline in
 * front of an echo upstream) and its admin API started from this package's source.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGateway, silentLogger, type AdminServer, type Gateway, type Logger } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import { startAdmin } from "@turnpike/admin";

/** The admin token of test gateways. */
export const TOKEN = "test-admin-token-9f8e7d";

/** A running test gateway with its admin API. */
export interface AdminHarness {
  gateway: Gateway;
  admin: AdminServer;
  upstream: TestUpstream;
  dataDir: string;
  /** `Authorization` header for the admin API. */
  auth: { authorization: string };
  /** Closes everything (keeps `dataDir` unless `removeData`). */
  close(removeData?: boolean): Promise<void>;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  dataDir?: string;
  upstream?: TestUpstream;
  logger?: Logger;
  extraConfig?: Record<string, unknown>;
}

/** Gateway config: `/api/*` needs a key (key-auth), `/scoped/*` also the `orders:read` scope, `/basic/*` a password. */
export function gatewayConfig(dataDir: string, upstreamUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    http: { port: 0, host: "127.0.0.1" },
    admin: { port: 0, host: "127.0.0.1", token: TOKEN, dataDir },
    consumers: [
      {
        username: "declared-dora",
        firstname: "Dora",
        credentials: [{ type: "key-auth", keyId: "dora-key", keySecret: "dora-secret-123", scopes: ["orders:read"] }],
      },
    ],
    apiEndpoints: {
      api: { paths: ["/api", "/api/*"] },
      scoped: { paths: ["/scoped/*"], scopes: ["orders:read"] },
      basic: { paths: ["/basic/*"] },
    },
    serviceEndpoints: { echo: { url: upstreamUrl } },
    pipelines: {
      api: { apiEndpoints: ["api"], policies: [{ "key-auth": {} }, { proxy: { serviceEndpoint: "echo" } }] },
      scoped: { apiEndpoints: ["scoped"], policies: [{ "key-auth": {} }, { proxy: { serviceEndpoint: "echo" } }] },
      basic: { apiEndpoints: ["basic"], policies: [{ "basic-auth": {} }, { proxy: { serviceEndpoint: "echo" } }] },
    },
    ...extra,
  };
}

/** Starts an upstream (unless given), a gateway and its admin API. */
export async function startHarness(options: HarnessOptions = {}): Promise<AdminHarness> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "turnpike-admin-"));
  const ownUpstream = options.upstream === undefined;
  const upstream = options.upstream ?? (await startUpstream());
  const gateway = await createGateway({
    logger: options.logger ?? silentLogger,
    config: gatewayConfig(dataDir, upstream.url, options.extraConfig),
    baseDir: dataDir,
  });
  let admin: AdminServer;
  try {
    admin = await startAdmin(gateway);
  } catch (err) {
    await gateway.close();
    if (ownUpstream) await upstream.close();
    throw err;
  }
  return {
    gateway,
    admin,
    upstream,
    dataDir,
    auth: { authorization: `Bearer ${TOKEN}` },
    async close(removeData = false) {
      await admin.close();
      await gateway.close();
      if (ownUpstream) await upstream.close();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `Authorization` value key-auth expects by default (Express Gateway's wire format). */
export function apiKey(keyId: string, keySecret: string): string {
  return `apiKey ${keyId}:${keySecret}`;
}

/** The `Authorization` value of HTTP Basic authentication. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
