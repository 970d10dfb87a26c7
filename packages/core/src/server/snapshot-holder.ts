/**
 * The gateway's one current snapshot and the ones it replaced. A reload swaps the current snapshot in
 * one assignment; the replaced one is retired: it keeps serving the requests that already read it and
 * closes (its policies' timers and local stores released) once the last of them ends, or after the drain
 * timeout, whichever comes first.
 */
import type { Snapshot } from "../pipeline/compile-gateway.js";
import { compileTrust, type TrustFunction } from "./trust-proxy.js";

/** A snapshot as the server serves it: with its compiled `trustProxy` and a count of requests in flight. */
export class LiveSnapshot {
  /** The `trustProxy` decision, compiled once per snapshot. */
  readonly trust: TrustFunction;
  private inFlight = 0;
  private retired = false;
  private onDrained: (() => void) | undefined;

  constructor(readonly snapshot: Snapshot) {
    this.trust = compileTrust(snapshot.config.trustProxy);
  }

  /** Counts a request that read this snapshot; call {@link requestEnded} once when its response closes. */
  requestStarted(): void {
    this.inFlight++;
  }

  /** Counts a request out; the last one out of a retired snapshot closes it. */
  requestEnded(): void {
    this.inFlight--;
    if (this.retired && this.inFlight === 0) this.onDrained?.();
  }

  /**
   * Stops counting this snapshot as current: it closes when its last request ends, or after
   * `drainTimeoutMs` (a stuck request must not keep the old policies' resources forever).
   */
  retire(drainTimeoutMs: number): void {
    this.retired = true;
    let done = false;
    const close = (): void => {
      if (done) return;
      done = true;
      void this.snapshot.close();
    };
    if (this.inFlight === 0) return close();
    this.onDrained = close;
    setTimeout(close, drainTimeoutMs).unref();
  }

  /** Retires the snapshot for good and closes it now (at shutdown, once the listeners have drained). */
  async close(): Promise<void> {
    this.retired = true;
    this.onDrained = undefined;
    await this.snapshot.close();
  }
}

/** Holds the current {@link LiveSnapshot}; {@link swap} replaces it and retires the previous one. */
export class SnapshotHolder {
  private live: LiveSnapshot;

  constructor(snapshot: Snapshot) {
    this.live = new LiveSnapshot(snapshot);
  }

  /** The snapshot a new request reads (once: it keeps that one until its response ends). */
  get current(): LiveSnapshot {
    return this.live;
  }

  /** Makes `snapshot` current; the previous one drains (for up to `drainTimeoutMs`) and closes. */
  swap(snapshot: Snapshot, drainTimeoutMs: number): void {
    const old = this.live;
    this.live = new LiveSnapshot(snapshot);
    old.retire(drainTimeoutMs);
  }

  /** Closes the current snapshot (at shutdown). */
  close(): Promise<void> {
    return this.live.close();
  }
}
