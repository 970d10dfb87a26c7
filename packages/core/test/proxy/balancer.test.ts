import { describe, expect, it } from "@jest/globals";
import { createBalancer } from "../../src/proxy/balancer.js";

function picks(balancer: ReturnType<typeof createBalancer<string>>, n: number, release = true): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = balancer.pick();
    out.push(t.value);
    if (release) balancer.release(t);
  }
  return out;
}

describe("createBalancer", () => {
  it("round-robin takes targets in turn", () => {
    const b = createBalancer(
      [
        { value: "a", weight: 1 },
        { value: "b", weight: 1 },
        { value: "c", weight: 1 },
      ],
      "round-robin",
    );
    expect(picks(b, 6)).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("weighted round-robin interleaves by weight", () => {
    const b = createBalancer(
      [
        { value: "a", weight: 3 },
        { value: "b", weight: 1 },
      ],
      "round-robin",
    );
    const seq = picks(b, 8);
    expect(seq.filter((v) => v === "a")).toHaveLength(6);
    expect(seq.slice(0, 4)).toEqual(["a", "a", "b", "a"]);
  });

  it("least-connections prefers the target with the fewest requests in flight per weight", () => {
    const b = createBalancer(
      [
        { value: "a", weight: 1 },
        { value: "b", weight: 1 },
      ],
      "least-connections",
    );
    const first = b.pick(); // a (tie -> in turn)
    const second = b.pick(); // b
    expect([first.value, second.value]).toEqual(["a", "b"]);
    b.release(first);
    expect(b.pick().value).toBe("a"); // a has 0 in flight, b has 1
    expect(picks(b, 2, false)).toEqual(["b", "a"]);
  });

  it("least-connections honours weights", () => {
    const b = createBalancer(
      [
        { value: "big", weight: 2 },
        { value: "small", weight: 1 },
      ],
      "least-connections",
    );
    expect(picks(b, 3, false).sort()).toEqual(["big", "big", "small"]);
  });

  it("refuses an empty list", () => {
    expect(() => createBalancer([], "round-robin")).toThrow(RangeError);
  });
});
