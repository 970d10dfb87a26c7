import { describe, expect, it } from "@jest/globals";
import { checkConfig, createGateway, isConfigError, silentLogger, type ConfigProblem } from "@turnpike/core";

/** The problems createGateway refuses `config` with. */
async function startProblems(config: object): Promise<ConfigProblem[]> {
  try {
    const gw = await createGateway({ config, logger: silentLogger });
    await gw.close();
  } catch (err) {
    if (isConfigError(err)) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const terminateWith = (statusCode: number) => ({
  apiEndpoints: { a: { paths: "/a" } },
  pipelines: { api: { apiEndpoints: ["a"], policies: [{ terminate: { statusCode } }] } },
});

describe("the one load path (createGateway, reload and checkConfig)", () => {
  it("reports problems in the listener and admin sections together with the policies' problems", async () => {
    const config = { http: { port: 70000 }, admin: { host: "0.0.0.0", port: 0 }, ...terminateWith(99) };
    const expected = [
      { path: "http.port", message: "must be <= 65535" },
      { path: "admin.token", message: "is required when the admin API listens beyond loopback (host 0.0.0.0)" },
      { path: "pipelines.api.policies[0].terminate.statusCode", message: "must be >= 100" },
    ];
    expect((await checkConfig(config)).problems).toEqual(expected);
    // createGateway used to stop at the first stage that failed (the schema) and report http.port alone.
    expect(await startProblems(config)).toEqual(expected);
  });

  it("still checks the other sections when a compiled section has schema problems, and compiles nothing", async () => {
    const config = {
      admin: { host: "0.0.0.0", port: 0 },
      serviceEndpoints: { s: { urls: [] } },
      ...terminateWith(99),
    };
    const { problems } = await checkConfig(config);
    expect(problems.map((p) => p.path)).toEqual(["serviceEndpoints.s.urls", "admin.token"]);
    expect(await startProblems(config)).toEqual(problems);
  });

  it("leaves out the checks that read a section with schema problems, rather than report their consequences", async () => {
    const config = {
      apiEndpoints: { a: { paths: "/a", colour: "red" } },
      pipelines: { api: { apiEndpoints: ["a"], policies: [{ terminate: {} }] } },
    };
    const expected = [{ path: "apiEndpoints.a", message: "has an invalid form" }];
    expect((await checkConfig(config)).problems).toEqual(expected);
    expect(await startProblems(config)).toEqual(expected);
  });

  it("refuses a reload with the same problems, and keeps serving the previous configuration", async () => {
    const gw = await createGateway({ config: terminateWith(204), logger: silentLogger });
    try {
      const broken = { http: { port: -1 }, ...terminateWith(99) };
      const reload = gw.reload(broken).then(
        () => [],
        (err: unknown) => (isConfigError(err) ? [...err.problems] : Promise.reject(err)),
      );
      expect(await reload).toEqual((await checkConfig(broken)).problems);
      expect(await reload).toHaveLength(2);
      expect(gw.config.pipelines[0]!.policies[0]!.steps[0]!.action).toEqual({ statusCode: 204 });
    } finally {
      await gw.close();
    }
  });
});
