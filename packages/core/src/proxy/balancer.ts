/**
 * Choosing an upstream instance for each request.
 *
 * - `round-robin` honours weights with the smooth weighted round-robin nginx uses: a target of weight 3
 *   next to one of weight 1 gets three requests in four, interleaved rather than in a burst.
 * - `least-connections` picks the target with the fewest requests in flight relative to its weight;
 *   ties go round-robin so equal targets share load.
 */

/** A target the balancer hands out. */
export interface BalancedTarget<T> {
  readonly value: T;
  readonly weight: number;
  /** Requests in flight to this target. */
  inFlight: number;
}

/** Balancing strategies. */
export type BalancingStrategy = "round-robin" | "least-connections";

/** Picks targets; call `release` when a request to the picked target ends. */
export interface Balancer<T> {
  pick(): BalancedTarget<T>;
  release(target: BalancedTarget<T>): void;
}

/** Creates a balancer over `targets` (at least one). */
export function createBalancer<T>(targets: readonly { value: T; weight: number }[], strategy: BalancingStrategy): Balancer<T> {
  if (targets.length === 0) throw new RangeError("a balancer needs at least one target");
  const nodes = targets.map((t) => ({ value: t.value, weight: t.weight, inFlight: 0, current: 0 }));
  const total = nodes.reduce((sum, n) => sum + n.weight, 0);
  const release = (target: BalancedTarget<T>): void => {
    target.inFlight--;
  };

  if (nodes.length === 1) {
    const only = nodes[0]!;
    return { pick: () => (only.inFlight++, only), release };
  }

  const smoothRoundRobin = (candidates: typeof nodes): (typeof nodes)[number] => {
    let best = candidates[0]!;
    let sum = 0;
    for (const node of candidates) {
      node.current += node.weight;
      sum += node.weight;
      if (node.current > best.current) best = node;
    }
    best.current -= sum;
    return best;
  };

  if (strategy === "least-connections") {
    return {
      pick() {
        let least = Infinity;
        for (const node of nodes) least = Math.min(least, node.inFlight / node.weight);
        const candidates = nodes.filter((n) => n.inFlight / n.weight === least);
        const chosen = candidates.length === 1 ? candidates[0]! : smoothRoundRobin(candidates);
        chosen.inFlight++;
        return chosen;
      },
      release,
    };
  }

  const uniform = nodes.every((n) => n.weight === nodes[0]!.weight);
  let next = 0;
  return {
    pick() {
      const chosen = uniform ? nodes[next++ % nodes.length]! : smoothRoundRobin(nodes);
      if (next >= total * nodes.length) next = 0;
      chosen.inFlight++;
      return chosen;
    },
    release,
  };
}
