/**
 * Gateway-lifetime objects shared across snapshots and with the admin API.
 */
import type { SharedRegistry } from "../pipeline/define.js";

/** The registry implementation; `close()` runs the registered closers, last registered first. */
export class GatewaySharedRegistry implements SharedRegistry {
  private readonly objects = new Map<string, unknown>();
  private readonly closers: (() => void | Promise<void>)[] = [];

  get<T>(key: string, create: () => T): T {
    if (this.objects.has(key)) return this.objects.get(key) as T;
    const value = create();
    this.objects.set(key, value);
    return value;
  }

  onClose(close: () => void | Promise<void>): void {
    this.closers.push(close);
  }

  /** Runs every closer (errors are returned, not thrown, so one failure does not skip the rest). */
  async close(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch (err) {
        errors.push(err);
      }
    }
    this.closers.length = 0;
    this.objects.clear();
    return errors;
  }
}
