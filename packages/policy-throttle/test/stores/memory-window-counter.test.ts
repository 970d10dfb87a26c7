import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { MemoryWindowCounter } from "@turnpike/policy-throttle";

describe("MemoryWindowCounter", () => {
  let counter: MemoryWindowCounter | undefined;
  afterEach(() => {
    counter?.close();
    jest.useRealTimers();
  });

  it("counts per key in fixed windows that start with the first hit", () => {
    counter = new MemoryWindowCounter(1000);
    expect(counter.hit("a", 0, 1000)).toEqual({ hits: 1, resetAt: 1000 });
    expect(counter.hit("a", 400, 1000)).toEqual({ hits: 2, resetAt: 1000 });
    expect(counter.hit("b", 500, 1000)).toEqual({ hits: 1, resetAt: 1500 });
    expect(counter.hit("a", 999, 1000).hits).toBe(3);
    expect(counter.hit("a", 1000, 1000)).toEqual({ hits: 1, resetAt: 2000 });
  });

  it("drops keys untouched for a whole window, and never a key inside its window", () => {
    jest.useFakeTimers({ now: 0 });
    counter = new MemoryWindowCounter(1000);
    counter.hit("idle", 0, 1000);
    counter.hit("busy", 0, 1000);
    jest.advanceTimersByTime(1000); // rotation: both move to the previous generation
    expect(counter.size).toBe(2);
    expect(counter.hit("busy", 1000, 1000).hits).toBe(1);
    counter.hit("late", 1500, 1000);
    jest.advanceTimersByTime(1000); // "idle" was untouched for a whole window: gone
    expect(counter.size).toBe(2);
    // "late" is still inside its window (until 2500) and keeps its count.
    expect(counter.hit("late", 2400, 1000)).toEqual({ hits: 2, resetAt: 2500 });
    jest.advanceTimersByTime(2000);
    expect(counter.size).toBe(0);
  });
});
