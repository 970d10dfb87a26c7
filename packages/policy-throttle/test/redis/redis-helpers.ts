/**
 * Redis helpers for the throttling tests: waiting for a client's state, and a TCP proxy that can
 * freeze a live connection (Redis stops answering but the connection stays open: the case a command
 * timeout exists for).
 */
import net from "node:net";
import type { StoreContext } from "@turnpike/core";

type RedisClient = NonNullable<StoreContext["redis"]>;

/** Resolves when `client.status` satisfies `ok` (checked on each state change of the client). */
export function untilStatus(client: RedisClient, ok: (status: string) => boolean): Promise<void> {
  if (ok(client.status)) return Promise.resolve();
  const events = ["connect", "ready", "close", "reconnecting", "end", "error"] as const;
  return new Promise((resolve) => {
    const check = (): void => {
      if (!ok(client.status)) return;
      for (const e of events) client.off(e, check);
      resolve();
    };
    for (const e of events) client.on(e, check);
  });
}

/** A TCP proxy in front of Redis whose connections can be frozen and thawed. */
export interface FreezableProxy {
  readonly url: string;
  /** Stops forwarding in both directions; connections stay open. */
  freeze(): void;
  /** Forwards again, including what arrived meanwhile. */
  thaw(): void;
  close(): Promise<void>;
}

/** Starts a {@link FreezableProxy} on 127.0.0.1 in front of `127.0.0.1:targetPort`. */
export async function startFreezableProxy(targetPort: number): Promise<FreezableProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let frozen = false;
  const link = (pair: { client: net.Socket; upstream: net.Socket }): void => {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };
  const unlink = (pair: { client: net.Socket; upstream: net.Socket }): void => {
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    if (frozen) unlink(pair);
    else link(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze() {
      frozen = true;
      for (const pair of pairs) unlink(pair);
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) link(pair);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** Collects unhandled rejections while a test runs. */
export function watchUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on("unhandledRejection", onRejection);
  return { seen, stop: () => process.off("unhandledRejection", onRejection) };
}
