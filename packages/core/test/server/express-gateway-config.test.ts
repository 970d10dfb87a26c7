import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, writeConfig, type TestUpstream } from "@turnpike/testing";

// Express Gateway's own proxy-only file, as its users wrote it (the benchmark's eg/proxy config).
const EXPRESS_GATEWAY_FILE = `
http:
  hostname: 127.0.0.1
  port: \${PORT}
admin: # remove this section to disable admin API
apiEndpoints:
  api:
    host: '*'
    paths: '/*'
serviceEndpoints:
  upstream:
    url: 'http://127.0.0.1:\${UPSTREAM_PORT}'
policies:
  - proxy
  - terminate
pipelines:
  default:
    apiEndpoints:
      - api
    policies:
      - terminate:
          - condition:
              name: pathExact
              path: /blocked
            action:
              statusCode: 403
              message: blocked
      - proxy:
          - action:
              serviceEndpoint: upstream
              changeOrigin: true
              followRedirects: false
`;

describe("an Express Gateway gateway.config.yml", () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await createGateway({
      config: writeConfig(EXPRESS_GATEWAY_FILE.replace("admin: # remove this section to disable admin API\n", "")),
      env: { PORT: "0", UPSTREAM_PORT: String(upstream.port) },
      logger: silentLogger,
    });
    url = (await gw.listen()).http!;
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it("runs unchanged, with the ignored Express Gateway option reported", async () => {
    expect(gw.snapshot.warnings).toEqual([
      "pipelines.default.policies[1].proxy[0].action.followRedirects: accepted for Express Gateway compatibility and ignored (redirects are always relayed to the client)",
    ]);
    const res = await fetch(`${url}/users/1?x=y`);
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)).toMatchObject({ method: "GET", url: "/users/1?x=y" });
    expect(upstream.requests.at(-1)!.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    const blocked = await fetch(`${url}/blocked`);
    expect(blocked.status).toBe(403);
    expect(await blocked.text()).toBe("blocked");
  });
});
