import { afterEach, describe, expect, it } from "@jest/globals";
import {
  ConfigError,
  CORE_VERSION,
  createGateway,
  definePlugin,
  definePolicy,
  silentLogger,
  type Gateway,
  type PipelineStepInfo,
  type PluginDefinition,
} from "@turnpike/core";
import semver from "semver";
import path from "node:path";
import { fileURLToPath } from "node:url";
import request from "supertest";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

function config(policies: unknown[], extra: Record<string, unknown> = {}) {
  return { apiEndpoints: { api: { paths: ["/*"] } }, pipelines: { p: { apiEndpoints: ["api"], policies } }, ...extra };
}

describe("plugin metadata", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it("loads a plugin whose turnpike range holds this version, and refuses one whose range does not", async () => {
    gw = await createGateway({
      baseDir: fixtures,
      logger: silentLogger,
      config: config([{ "header-auth": {} }, { terminate: { statusCode: 204 } }], { plugins: ["./plugins/versioned"] }),
    });
    await request(gw.app).get("/").expect(204);

    const refused = await createGateway({
      baseDir: fixtures,
      logger: silentLogger,
      config: config([{ terminate: {} }], { plugins: ["./plugins/versioned", "./plugins/future-turnpike"] }),
    }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      {
        path: "plugins[1]",
        message: `plugin "./plugins/future-turnpike" works with Turnpike >=99.0.0, but this is Turnpike ${CORE_VERSION}: install a version of the plugin made for it`,
      },
    ]);
  });

  it("knows its own version from its package.json", () => {
    expect(CORE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(["@turnpike/policy-throttle", "@turnpike/policy-cache"])("first-party %s declares a range this core satisfies", async (name) => {
    const plugin = ((await import(name)) as { default: PluginDefinition }).default;
    expect(plugin.turnpike).toBeDefined();
    expect(semver.satisfies(CORE_VERSION, plugin.turnpike!)).toBe(true);
  });

  it("refuses a turnpike value that is not a semver range, and a phase it does not know, when they are defined", () => {
    expect(() => definePlugin({ name: "p", turnpike: "the latest" })).toThrow(
      'plugin p: turnpike must be a semver range such as "^0.1.0", got "the latest"',
    );
    expect(() =>
      definePolicy({ name: "x", phase: "authentication" as never, schema: { type: "object" }, create: () => (_q, _s, n) => n() }),
    ).toThrow(/^policy x: phase must be one of observe, access, auth, traffic, validate, transform, cache, backend, got "authentication"$/);
  });

  it("tells each policy the pipeline's steps (policy, declared phase, path) and its own place among them", async () => {
    const seen: { steps: readonly PipelineStepInfo[]; index: number }[] = [];
    const probe = definePolicy({
      name: "probe",
      schema: { type: "object", properties: {} },
      create(_options, ctx) {
        seen.push({ steps: ctx.pipelineSteps, index: ctx.stepIndex });
        return (_req, _res, next) => next();
      },
    });
    gw = await createGateway({
      baseDir: fixtures,
      logger: silentLogger,
      policies: [probe],
      config: config(
        [
          { log: { format: "tiny" } },
          { probe: [{ action: {} }, { condition: { name: "always" }, action: {} }] },
          { "header-auth": {} },
          { terminate: {} },
        ],
        { plugins: ["./plugins/versioned"] },
      ),
    });
    const steps = [
      { policy: "log", phase: "observe", path: "pipelines.p.policies[0].log" },
      { policy: "probe", phase: undefined, path: "pipelines.p.policies[1].probe[0].action" },
      { policy: "probe", phase: undefined, path: "pipelines.p.policies[1].probe[1].action" },
      { policy: "header-auth", phase: "auth", path: "pipelines.p.policies[2].header-auth" },
      { policy: "terminate", phase: "backend", path: "pipelines.p.policies[3].terminate" },
    ];
    expect(seen).toEqual([
      { steps, index: 1 },
      { steps, index: 2 },
    ]);
  });
});
