/**
 * `serviceEndpoints.NAME.proxyOptions`: checked at load with the proxy policy's own option schemas and
 * reported at their path; valid ones override the policy's options and leave the others alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { checkConfig, createGateway, silentLogger, type ConfigError, type Gateway } from "@turnpike/core";
import { runTurnpike, startUpstream, writeConfig, type TestUpstream } from "@turnpike/testing";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { send } from "./http-client.js";

const withProxyOptions = (proxyOptions: Record<string, unknown>, policy: Record<string, unknown> = {}) => ({
  apiEndpoints: { api: { paths: ["/*"] } },
  serviceEndpoints: { users: { url: "http://127.0.0.1:9", proxyOptions } },
  pipelines: { api: { apiEndpoints: ["api"], policies: [{ proxy: { serviceEndpoint: "users", ...policy } }] } },
});

describe("serviceEndpoints proxyOptions at load", () => {
  it("reports unknown options and invalid values at their path", async () => {
    const { problems } = await checkConfig(withProxyOptions({ proxyTimeout: "soon", bogus: 1, strategy: "random" }));
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "serviceEndpoints.users.proxyOptions.proxyTimeout", message: "must be integer" },
        { path: "serviceEndpoints.users.proxyOptions.bogus", message: "is not a known option" },
        { path: "serviceEndpoints.users.proxyOptions.strategy", message: 'must be one of: "round-robin", "least-connections"' },
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it("refuses options that would choose another upstream than the endpoint's own", async () => {
    const { problems } = await checkConfig(withProxyOptions({ url: "http://127.0.0.1:8", serviceEndpoint: "other" }));
    expect(problems.map((p) => p.path).sort()).toEqual([
      "serviceEndpoints.users.proxyOptions.serviceEndpoint",
      "serviceEndpoints.users.proxyOptions.url",
    ]);
  });

  it("checks an endpoint no pipeline uses yet, and accepts valid options", async () => {
    const config = withProxyOptions({ proxyTimeout: 100, changeOrigin: false, secure: false });
    const unused = {
      ...config,
      serviceEndpoints: { ...config.serviceEndpoints, spare: { url: "http://127.0.0.1:9", proxyOptions: { xfwd: "no" } } },
    };
    expect((await checkConfig(config)).problems).toEqual([]);
    expect((await checkConfig(unused)).problems).toEqual([
      { path: "serviceEndpoints.spare.proxyOptions.xfwd", message: "must be boolean" },
    ]);
  });

  it("warns about Express Gateway options that are accepted and ignored, as on the policy", async () => {
    const result = await checkConfig(withProxyOptions({ followRedirects: true }));
    expect(result.problems).toEqual([]);
    expect(result.warnings).toContain(
      "serviceEndpoints.users.proxyOptions.followRedirects: accepted for Express Gateway compatibility and ignored (redirects are always relayed to the client)",
    );
  });

  it("is reported by turnpike validate, and a gateway refuses to start with it", async () => {
    const config = withProxyOptions({ proxyTimeout: "soon", bogus: 1 });
    const { code, stdout } = await runTurnpike(["validate", "-c", writeConfig(config)]);
    expect(code).toBe(1);
    expect(stdout.trim().split("\n").sort()).toEqual([
      "serviceEndpoints.users.proxyOptions.bogus: is not a known option",
      "serviceEndpoints.users.proxyOptions.proxyTimeout: must be integer",
    ]);
    const refused = await createGateway({ logger: silentLogger, config }).then(
      () => undefined,
      (err: unknown) => err as ConfigError,
    );
    expect(refused?.problems.map((p) => p.path).sort()).toEqual([
      "serviceEndpoints.users.proxyOptions.bogus",
      "serviceEndpoints.users.proxyOptions.proxyTimeout",
    ]);
  });
});

describe("serviceEndpoints proxyOptions in a gateway", () => {
  let upstream: TestUpstream;
  let silent: net.Server;
  const silentSockets: net.Socket[] = [];
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    // Accepts, never answers.
    silent = net.createServer((socket) => {
      silentSockets.push(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    gw = await createGateway({
      logger: silentLogger,
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { echo: { paths: ["/echo"] }, silent: { paths: ["/silent"] } },
        serviceEndpoints: {
          echo: { url: upstream.url, proxyOptions: { changeOrigin: false } },
          silent: { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, proxyOptions: { proxyTimeout: 200 } },
        },
        pipelines: {
          // The policy's xfwd: false must survive: the endpoint's options add no defaults of their own.
          echo: { apiEndpoints: ["echo"], policies: [{ proxy: { serviceEndpoint: "echo", xfwd: false } }] },
          silent: { apiEndpoints: ["silent"], policies: [{ proxy: { serviceEndpoint: "silent", proxyTimeout: 60_000 } }] },
        },
      },
    });
    url = (await gw.listen()).http!;
  });
  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    await new Promise((r) => silent.close(r));
    await gw.close();
    await upstream.close();
  });

  it("applies the endpoint's options over the policy's and keeps the policy's others", async () => {
    const res = await send(url, { path: "/echo", headers: { host: "client.example" } });
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(seen.headers.host).toBe("client.example");
    expect(seen.headers["x-forwarded-for"]).toBeUndefined();
  });

  it("uses the endpoint's proxyTimeout instead of the policy's", async () => {
    const res = await send(url, { path: "/silent" });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe("UPSTREAM_TIMEOUT");
  });
});
