/**
 * Request coalescing: while one request (the leader) fetches a key from the upstream, the others for
 * the same key wait for its outcome instead of going upstream too. Bounded: waiters are released after
 * a timeout and then go upstream themselves.
 */
import type { CachedEntry } from "../entry/cached-entry.js";

/** How a flight ended: the key and entry stored (or served in place of an error), or nothing. */
export interface FlightOutcome {
  readonly key: string;
  readonly entry: CachedEntry;
}

/** Called once with the outcome (undefined: nothing to share, go upstream). */
export type FlightWaiter = (outcome: FlightOutcome | undefined) => void;

/** One key being fetched. */
export class Flight {
  private waiters: FlightWaiter[] = [];
  private readonly timer: NodeJS.Timeout;
  private done = false;

  constructor(
    private readonly flights: Flights,
    readonly key: string,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => this.finish(undefined), timeoutMs);
    this.timer.unref();
  }

  /** Adds a waiter. */
  wait(waiter: FlightWaiter): void {
    if (this.done) waiter(undefined);
    else this.waiters.push(waiter);
  }

  /** Ends the flight (idempotent) and releases every waiter with `outcome`. */
  finish(outcome: FlightOutcome | undefined): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.flights.remove(this);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter(outcome);
  }
}

/** The flights of one store in this process. */
export class Flights {
  private readonly byKey = new Map<string, Flight>();

  /** The flight fetching `key`, if any. */
  get(key: string): Flight | undefined {
    return this.byKey.size === 0 ? undefined : this.byKey.get(key);
  }

  /** Starts a flight for `key` (the caller is its leader). */
  start(key: string, timeoutMs: number): Flight {
    const flight = new Flight(this, key, timeoutMs);
    this.byKey.set(key, flight);
    return flight;
  }

  /** Forgets `flight` (called by the flight when it ends). */
  remove(flight: Flight): void {
    if (this.byKey.get(flight.key) === flight) this.byKey.delete(flight.key);
  }

  /** Ends every flight (waiters go upstream). */
  clear(): void {
    for (const flight of [...this.byKey.values()]) flight.finish(undefined);
  }
}
