/**
 * The dependencies between an aggregate's calls (a call that reads `calls.user` waits for `user`),
 * checked once at load: every name must exist and the graph must have no cycle.
 */
import { ConfigError, type ConfigProblem } from "@turnpike/core";

/** A call's name and the names it reads, with the config path to report problems at. */
export interface CallDependencies {
  readonly name: string;
  readonly dependsOn: ReadonlySet<string>;
  readonly path: string;
}

/** The checked graph: for each call, the calls that wait for it. */
export interface CallGraph {
  /** Call names in an order where every call comes after those it depends on. */
  readonly order: readonly string[];
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

/**
 * Checks the calls' dependencies.
 * @throws ConfigError naming an unknown call, or the calls of a cycle in order (`a → b → a`).
 */
export function checkCallGraph(calls: readonly CallDependencies[]): CallGraph {
  const byName = new Map(calls.map((c) => [c.name, c]));
  const problems: ConfigProblem[] = [];
  for (const call of calls) {
    for (const name of call.dependsOn) {
      if (!byName.has(name)) {
        problems.push({ path: call.path, message: `reads calls.${name}, which is not a call (calls: ${[...byName.keys()].join(", ")})` });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  // Depth-first search; a call met again while still on the stack closes a cycle.
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (name: string): void => {
    const seen = state.get(name);
    if (seen === "done") return;
    if (seen === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      throw new ConfigError([{ path: byName.get(name)!.path, message: `calls depend on each other in a cycle: ${cycle.join(" → ")}` }]);
    }
    state.set(name, "visiting");
    stack.push(name);
    for (const dependency of byName.get(name)!.dependsOn) visit(dependency);
    stack.pop();
    state.set(name, "done");
    order.push(name);
  };
  for (const call of calls) visit(call.name);

  const dependents = new Map<string, string[]>(calls.map((c) => [c.name, []]));
  for (const call of calls) for (const dependency of call.dependsOn) dependents.get(dependency)!.push(call.name);
  return { order, dependents };
}
