/**
 * Shared by the built-in policies' tests: the problems `turnpike validate` reports for one step, and a
 * stand-in for an auth policy.
 */
import { checkConfig, definePolicy, type ConfigError, type Consumer } from "@turnpike/core";

/** The problems a pipeline whose first step is `{ [policy]: entry }` reports at load. */
export async function stepProblems(
  policy: string,
  entry: unknown,
  endpoint: Record<string, unknown> = { paths: ["/*"] },
): Promise<ConfigError["problems"]> {
  const config = {
    apiEndpoints: { all: endpoint },
    pipelines: { p: { apiEndpoints: ["all"], policies: [{ [policy]: entry }, { terminate: { statusCode: 200 } }] } },
  };
  return (await checkConfig(config)).problems;
}

/** A `test-auth` policy: `x-test-as: <id>` authenticates the request as that consumer (with `extra`). */
export function testAuthPolicy(extra: Partial<Consumer> = {}) {
  return definePolicy({
    name: "test-auth",
    schema: { type: "object", properties: {} },
    create: () =>
      function testAuth(req, res, next) {
        const id = req.headers["x-test-as"];
        delete req.headers["x-test-as"];
        if (typeof id === "string") res.locals.turnpike.consumer = { id, username: "alice", type: "user", scopes: [], ...extra };
        next();
      },
  });
}
