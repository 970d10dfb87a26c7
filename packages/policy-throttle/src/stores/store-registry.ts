/**
 * Gateway-lifetime stores, shared by the snapshots that use them. A reload compiles the new snapshot
 * while the old one still serves; both ask for the store of a step by the same id and get the same
 * object, so counters and in-flight counts carry over. A store no snapshot uses any more (its step was
 * removed or changed shape) is closed when the last user lets it go.
 */
import type { SharedRegistry } from "@turnpike/core";

/** Anything a registry can hold. */
export interface Closable {
  close(): void;
}

/** A reference to a shared store; `release` once, when the snapshot using it is retired. */
export interface StoreLease<T> {
  readonly store: T;
  release(): void;
}

interface Held {
  store: Closable;
  users: number;
}

/** Reference-counted stores by id. */
export class StoreRegistry {
  private readonly held = new Map<string, Held>();

  /** Returns the store under `id`, creating it with `create` when no snapshot holds one. */
  acquire<T extends Closable>(id: string, create: () => T): StoreLease<T> {
    let held = this.held.get(id);
    if (held === undefined) {
      held = { store: create(), users: 0 };
      this.held.set(id, held);
    }
    held.users++;
    const entry = held;
    let released = false;
    return {
      store: entry.store as T,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.users === 0 && this.held.get(id) === entry) {
          this.held.delete(id);
          entry.store.close();
        }
      },
    };
  }

  /** Number of stores held (for tests). */
  get size(): number {
    return this.held.size;
  }

  /** Closes every store (the gateway is closing). */
  closeAll(): void {
    for (const { store } of this.held.values()) store.close();
    this.held.clear();
  }
}

const KEY = "turnpike.policy-throttle.stores";

/** The gateway's {@link StoreRegistry}, created on first use and closed with the gateway. */
export function storeRegistry(shared: SharedRegistry): StoreRegistry {
  return shared.get(KEY, () => {
    const registry = new StoreRegistry();
    shared.onClose(() => registry.closeAll());
    return registry;
  });
}
