import { describe, expect, it } from "@jest/globals";
import { runTurnpike, writeConfig } from "@turnpike/testing";

describe("turnpike validate", () => {
  it("prints ok and exits 0 for a valid file", async () => {
    const file = writeConfig({
      apiEndpoints: { a: { paths: "/a" } },
      pipelines: { p: { apiEndpoints: ["a"], policies: [{ terminate: {} }] } },
    });
    expect(await runTurnpike(["validate", "-c", file])).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("prints every problem with its path and exits 1", async () => {
    const file = writeConfig(
      [
        "http: { port: -1 }",
        "apiEndpoints: { a: { paths: /a } }",
        "serviceEndpoints: { s: { url: 'http://127.0.0.1:1' } }",
        "pipelines:",
        "  api:",
        "    apiEndpoints: [a, b]",
        "    policies:",
        "      - terminate: { statusCode: 99 }",
        "      - proxy: { serviceEndpoint: nope, colour: red }",
      ].join("\n"),
    );
    const first = await runTurnpike(["validate", "-c", file]);
    expect(first.code).toBe(1);
    // The bad port does not hide the rest: the other sections are checked without it.
    expect(first.stdout.trim().split("\n")).toEqual([
      "http.port: must be >= 0",
      'pipelines.api.apiEndpoints[1]: apiEndpoint "b" is not defined in apiEndpoints',
    ]);

    const fixed = writeConfig(
      [
        "apiEndpoints: { a: { paths: /a } }",
        "serviceEndpoints: { s: { url: 'http://127.0.0.1:1' } }",
        "pipelines:",
        "  api:",
        "    apiEndpoints: [a, b]",
        "    policies:",
        "      - terminate: { statusCode: 99 }",
        "      - proxy: [{ action: { serviceEndpoint: nope, colour: red } }]",
      ].join("\n"),
    );
    const second = await runTurnpike(["validate", "-c", fixed]);
    expect(second.code).toBe(1);
    expect(second.stdout.trim().split("\n")).toEqual(['pipelines.api.apiEndpoints[1]: apiEndpoint "b" is not defined in apiEndpoints']);
  });

  it("reports policy option problems beside problems in sections policies do not read", async () => {
    const file = writeConfig(
      [
        "admin: { host: 0.0.0.0, port: 0 }",
        "http: { port: 70000 }",
        "apiEndpoints: { a: { paths: /a } }",
        "pipelines:",
        "  api:",
        "    apiEndpoints: [a]",
        "    policies:",
        "      - terminate: { statusCode: 99 }",
      ].join("\n"),
    );
    const result = await runTurnpike(["validate", "-c", file]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^admin\.token: /),
        expect.stringMatching(/^http\.port: must be <= 65535/),
        "pipelines.api.policies[0].terminate.statusCode: must be >= 100",
      ]),
    );
  });

  it("reports policy option problems once the structure is valid", async () => {
    const file = writeConfig(
      [
        "apiEndpoints: { a: { paths: /a } }",
        "serviceEndpoints: { s: { url: 'http://127.0.0.1:1' } }",
        "pipelines:",
        "  api:",
        "    apiEndpoints: [a]",
        "    policies:",
        "      - terminate: { statusCode: 99 }",
        "      - proxy: [{ action: { serviceEndpoint: nope, colour: red } }]",
      ].join("\n"),
    );
    const result = await runTurnpike(["validate", "-c", file]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split("\n")).toEqual([
      "pipelines.api.policies[0].terminate.statusCode: must be >= 100",
      "pipelines.api.policies[1].proxy[0].action.colour: is not a known option",
    ]);
  });

  it.each([
    [
      "listener and admin problems beside a policy's",
      ["http: { port: 70000 }", "admin: { host: 0.0.0.0, port: 0 }", "apiEndpoints: { a: { paths: /a } }"],
      [
        "http.port: must be <= 65535",
        "admin.token: is required when the admin API listens beyond loopback (host 0.0.0.0)",
        "pipelines.api.policies[0].terminate.statusCode: must be >= 100",
      ],
    ],
    [
      "a schema problem in a compiled section beside an admin problem",
      ["admin: { host: 0.0.0.0, port: 0 }", "apiEndpoints: { a: { paths: /a } }", "serviceEndpoints: { s: { urls: [] } }"],
      [
        "serviceEndpoints.s.urls: must NOT have fewer than 1 items",
        "admin.token: is required when the admin API listens beyond loopback (host 0.0.0.0)",
      ],
    ],
  ])("prints the same problems as turnpike start: %s", async (_case, sections, expected) => {
    const file = writeConfig(
      [...sections, "pipelines:", "  api:", "    apiEndpoints: [a]", "    policies:", "      - terminate: { statusCode: 99 }"].join("\n"),
    );
    const [validated, started] = await Promise.all([runTurnpike(["validate", "-c", file]), runTurnpike(["start", "-c", file])]);
    expect(validated.code).toBe(1);
    expect(validated.stdout.trim().split("\n")).toEqual(expected);
    expect(started.code).toBe(1);
    expect(started.stdout).toBe("");
    expect(started.stderr.trim().split("\n")).toEqual([`${file} is not valid:`, ...expected]);
  });

  it("defaults to ./gateway.config.yml and says when it cannot read it", async () => {
    const result = await runTurnpike(["validate"], { cwd: "/tmp" });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/cannot read \/tmp\/gateway.config.yml: ENOENT/);
  });

  it("answers unknown commands and options with usage and exit 2", async () => {
    expect(await runTurnpike(["frobnicate"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
    expect(await runTurnpike(["validate", "--bogus"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/usage: turnpike validate/),
    });
  });
});
