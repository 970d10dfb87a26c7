/**
 * The gateway's one Redis subscriber connection, shared by every policy that listens to a channel
 * (a subscribed connection can run no other command, so it cannot be the main client).
 */
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";

/** Channel listeners over one lazily opened subscriber connection. */
export class RedisSubscriptions {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<(message: string) => void>>();

  constructor(
    private readonly client: Redis,
    private readonly logger: Logger,
  ) {}

  /** Adds `listener` to `channel`; returns a function that removes it. */
  subscribe(channel: string, listener: (message: string) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.connection()
        .subscribe(channel)
        .catch((err: Error) => this.logger.warn("redis subscribe %s: %s", channel, err.message));
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      this.subscriber?.unsubscribe(channel).catch(() => undefined);
    };
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    // Same server and options as the main client; ioredis re-subscribes by itself after a reconnect.
    const subscriber = this.client.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    subscriber.on("error", () => undefined); // the main client already reports outages
    subscriber.on("message", (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) {
        try {
          listener(message);
        } catch (err) {
          this.logger.warn("redis message on %s: listener failed: %s", channel, (err as Error).message);
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  /** Closes the subscriber connection. */
  close(): void {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
