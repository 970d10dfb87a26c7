/**
 * The gateway's one Redis connection, shared by every policy and the admin API. Commands are bounded
 * by `commandTimeout`, so a request never hangs on Redis; the connection retries forever in the
 * background and policies resume using it when it returns.
 */
import { Redis } from "ioredis";
import type { RedisConfig } from "../config/model.js";
import type { Logger } from "../logger.js";

/** Opens the connection described by `config`. Errors are logged once per outage, never thrown. */
export function openRedis(config: RedisConfig, logger: Logger, options: { lazy?: boolean } = {}): Redis {
  const client = new Redis(config.url, {
    lazyConnect: options.lazy ?? false,
    commandTimeout: config.commandTimeout,
    connectTimeout: config.connectTimeout,
    // One retry per command at most: with commandTimeout this bounds the wait of any request.
    maxRetriesPerRequest: 1,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  // One line when an outage starts (a lost connection, or a failure to connect), one when it ends.
  let ready = false;
  let down = false;
  const outage = (reason: string): void => {
    if (down) return;
    down = true;
    logger.error("redis %s: %s", redactUrl(config.url), reason);
  };
  client.on("error", (err: Error & { code?: string }) => outage(err.code ?? err.message));
  client.on("close", () => {
    if (ready && !closing.has(client)) outage("connection lost; reconnecting");
    ready = false;
  });
  client.on("ready", () => {
    if (down) logger.info("redis %s: connected again", redactUrl(config.url));
    down = false;
    ready = true;
  });
  return client;
}

/** A Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid url)";
  }
}

// Connections being closed on purpose: their "close" is not an outage.
const closing = new WeakSet<Redis>();

/** Closes the connection, waiting for pending replies when it can. */
export async function closeRedis(client: Redis): Promise<void> {
  closing.add(client);
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
