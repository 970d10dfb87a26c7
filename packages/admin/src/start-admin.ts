/**
 * `startAdmin(gateway)`: what the core calls from `gateway.listen()` when `admin:` is configured.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AdminServer, Gateway } from "@turnpike/core";
import { consumerStore } from "@turnpike/policy-auth";
import { createAdminApp } from "./admin-app.js";
import { createAdminMetrics } from "./metrics/admin-metrics.js";
import type { StoreAccess } from "./store/store-access.js";

function urlOf(address: AddressInfo): string {
  return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
}

/**
 * Starts the admin API on `gateway.config.admin`'s host and port (port 0: an ephemeral one) and resolves
 * once it listens, with its real URL. The token is read once, here: like the listener address, it
 * changes on restart.
 *
 * @example
 * ```ts
 * const gw = await createGateway({ config: { admin: { port: 0, token: "s3cret" }, ... } });
 * const admin = await startAdmin(gw);   // gw.listen() does this when `admin:` is configured
 * console.log(admin.url);               // http://127.0.0.1:40123
 * await admin.close();
 * ```
 * @throws Error when the configuration has no `admin:` block or the port cannot be bound.
 */
export async function startAdmin(gateway: Gateway): Promise<AdminServer> {
  const config = gateway.config.admin;
  if (!config) throw new Error("startAdmin: the configuration has no admin: block");
  // The store is the gateway-lifetime instance the auth policies use; it follows reloads of `consumers:`.
  const access: StoreAccess = { store: () => consumerStore(gateway.stores, gateway.config) };
  access.store();
  const metrics = createAdminMetrics(gateway);
  const app = createAdminApp({ gateway, access, metrics, token: config.token });
  const limits = gateway.config.server;
  const server = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeout,
    },
    app,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    metrics.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: urlOf(server.address() as AddressInfo),
    close() {
      closing ??= new Promise<void>((resolve) => {
        metrics.close();
        // Admin calls are short; a client holding a connection open must not delay shutdown.
        const timer = setTimeout(() => server.closeAllConnections(), 1000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
