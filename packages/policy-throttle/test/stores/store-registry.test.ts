import { describe, expect, it } from "@jest/globals";
import { StoreRegistry } from "../../src/stores/store-registry.js";

describe("StoreRegistry", () => {
  it("shares a store between holders and closes it when the last one lets go", () => {
    const registry = new StoreRegistry();
    const closed: string[] = [];
    const make = (name: string) => () => ({ name, close: () => closed.push(name) });
    const first = registry.acquire("a", make("a1"));
    const second = registry.acquire("a", make("a2"));
    expect(second.store).toBe(first.store);
    first.release();
    first.release(); // a second release of the same lease changes nothing
    expect(closed).toEqual([]);
    second.release();
    expect(closed).toEqual(["a1"]);
    expect(registry.acquire("a", make("a3")).store.name).toBe("a3");
    registry.acquire("b", make("b1"));
    registry.closeAll();
    expect(closed).toEqual(["a1", "a3", "b1"]);
    expect(registry.size).toBe(0);
  });
});
