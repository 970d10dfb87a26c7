/**
 * The small storage contract under the consumer store: a versioned key-value space with sets and
 * sorted sets, written only through atomic, optimistic batches. The directory logic (uniqueness,
 * cascades, declared entries) is written once against it; SQLite, Redis and memory each implement it
 * in a few dozen lines, so the three stores cannot drift apart in behaviour.
 */

/** One mutation of a batch. Keys are logical (the backend adds its own prefix). */
export type KvOp =
  | readonly ["set", key: string, value: string]
  | readonly ["del", key: string]
  | readonly ["zadd", key: string, score: number, member: string]
  | readonly ["zrem", key: string, member: string]
  | readonly ["sadd", key: string, member: string]
  | readonly ["srem", key: string, member: string];

/**
 * A versioned key-value space. Every successful {@link KvBackend.commit} increases the version by one,
 * so "the version is still what I read" means "nothing changed since my reads": writers read, compute
 * a batch and commit it against the version they started from, retrying on a conflict.
 */
export interface KvBackend {
  readonly kind: "sqlite" | "redis" | "memory";
  /** The current version (0 for an empty space). */
  version(): Promise<number>;
  get(key: string): Promise<string | undefined>;
  mget(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** Members of a set, in no particular order. */
  smembers(key: string): Promise<string[]>;
  /** Members of a sorted set by ascending score (ties by member), from `offset`, at most `count`. */
  zrange(key: string, offset: number, count: number): Promise<string[]>;
  /** Size of a sorted set. */
  zcard(key: string): Promise<number>;
  /**
   * Applies `ops` atomically if the version is still `expected`, then increments it.
   * @returns false (nothing applied) when the version moved
   */
  commit(expected: number, ops: readonly KvOp[]): Promise<boolean>;
  /**
   * Calls `listener` when another process or instance changed the data (polling every
   * `pollIntervalMs`); commits through this backend are not reported.
   * @returns a function that stops watching
   */
  watch(listener: () => void): () => void;
  close(): Promise<void>;
}

/** How often backends shared between processes check for changes (ms): well under the 1 s promise. */
export const DEFAULT_POLL_INTERVAL_MS = 250;

/**
 * Runs `check` every `intervalMs` while at least one listener watches, calling the listeners when it
 * reports a change. A failing check is retried at the next tick (the store may be down for a while).
 */
export class ChangePoller {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly check: () => Promise<boolean> | boolean,
    private readonly intervalMs: number,
  ) {}

  /** Adds a listener, starting the timer with the first one. */
  add(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      // The poller must never keep a process alive on its own (tests, CLI commands).
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (await this.check()) for (const listener of [...this.listeners]) listener();
    } catch {
      // Unreachable store: try again next tick; the data plane keeps its cache meanwhile.
    } finally {
      this.running = false;
    }
  }
}
