/**
 * Running a policy in-process, through the real compiler and dispatcher, for policy tests.
 */
import {
  createGateway,
  definePolicy,
  silentLogger,
  type Consumer,
  type Gateway,
  type Logger,
  type PolicyDefinition,
  type PolicyMiddleware,
} from "@turnpike/core";

/** Options of {@link createPolicyApp}. */
export interface PolicyAppOptions {
  /** Middleware run before the policy (e.g. to set `res.locals.turnpike.consumer`). */
  before?: PolicyMiddleware[];
  /** A consumer set before the policy runs, as an auth policy would. */
  consumer?: Consumer;
  /** Proxy to this URL after the policy; otherwise a 200 JSON `{ ok: true, consumer, url, headers }` answers. */
  upstream?: string;
  /** Extra top-level configuration (trustProxy, redis, consumers, ...). */
  config?: Record<string, unknown>;
  /** Scopes of the apiEndpoint the policy serves. */
  scopes?: string[];
  logger?: Logger;
  /** The policy's entry as written in a pipeline (default: its options, short form). */
  entry?: unknown;
}

const respond = definePolicy({
  name: "test-respond",
  schema: { type: "object", properties: {} },
  create: () =>
    function testRespond(req, res) {
      res.json({ ok: true, consumer: res.locals.turnpike.consumer ?? null, url: req.url, headers: req.headers });
    },
});

/**
 * Builds a gateway whose only pipeline runs `policy` with `options` on every path. Use `gateway.app`
 * with supertest, and `gateway.close()` afterwards.
 *
 * @example
 * ```ts
 * const gw = await createPolicyApp(myPolicy, { header: "x-a", value: "1" });
 * await request(gw.app).get("/anything").expect(200);
 * await gw.close();
 * ```
 */
export async function createPolicyApp(policy: PolicyDefinition<any>, options: unknown = {}, app: PolicyAppOptions = {}): Promise<Gateway> {
  const extra: PolicyDefinition<any>[] = [respond];
  const steps: Record<string, unknown>[] = [];
  const before = [...(app.before ?? [])];
  if (app.consumer) {
    const consumer = app.consumer;
    before.unshift((_req, res, next) => {
      res.locals.turnpike.consumer = consumer;
      next();
    });
  }
  before.forEach((middleware, i) => {
    const name = `test-before-${i}`;
    extra.push(definePolicy({ name, schema: { type: "object", properties: {} }, create: () => middleware }));
    steps.push({ [name]: {} });
  });
  if (policy.name !== "proxy") extra.push(policy);
  steps.push({ [policy.name]: app.entry ?? options });
  steps.push(app.upstream ? { proxy: { url: app.upstream } } : { "test-respond": {} });
  return createGateway({
    logger: app.logger ?? silentLogger,
    policies: extra,
    config: {
      ...app.config,
      apiEndpoints: { all: { paths: ["/*"], scopes: app.scopes ?? [] } },
      pipelines: { test: { apiEndpoints: ["all"], policies: steps } },
    },
  });
}
