/**
 * Keep-alive connection pools to upstreams, one per origin and connection settings. They live as long
 * as the gateway, not a snapshot: a reload keeps its warm connections.
 */
import { Pool } from "undici";
import { DEFAULTS } from "../config/defaults.js";
import type { SharedRegistry } from "../pipeline/define.js";

/** Settings that shape a pool's connections. */
export interface PoolSettings {
  connectTimeout: number;
  keepAliveTimeout: number;
  /** Verify the upstream's TLS certificate (Express Gateway's `secure`). */
  rejectUnauthorized: boolean;
}

/** The gateway's pools. */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  /** The pool for `origin` with `settings`, created on first use. */
  get(origin: string, settings: PoolSettings): Pool {
    const key = `${origin}|${settings.connectTimeout}|${settings.keepAliveTimeout}|${settings.rejectUnauthorized}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        // No cap on connections: the pool grows with concurrency and idle sockets are reaped.
        connections: null,
        pipelining: 1,
        keepAliveTimeout: settings.keepAliveTimeout,
        keepAliveMaxTimeout: Math.max(settings.keepAliveTimeout, 600_000),
        connect: { timeout: settings.connectTimeout, rejectUnauthorized: settings.rejectUnauthorized },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes every pool (in-flight requests finish first). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}

/** The gateway's {@link UpstreamPools}, from its shared registry. */
export function upstreamPools(shared: SharedRegistry): UpstreamPools {
  return shared.get("turnpike.upstream-pools", () => {
    const pools = new UpstreamPools();
    shared.onClose(() => pools.close());
    return pools;
  });
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  connectTimeout: DEFAULTS.proxy.connectTimeout,
  keepAliveTimeout: DEFAULTS.proxy.keepAliveTimeout,
  rejectUnauthorized: true,
};
