import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnGateway, startUpstream, writeConfig, type GatewayProcess, type TestUpstream } from "@turnpike/testing";

describe("log", () => {
  let upstream: TestUpstream;
  let gw: GatewayProcess;

  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await spawnGateway(
      writeConfig({
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { access: { paths: ["/access/*"] }, message: { paths: ["/message/*"] } },
        pipelines: {
          access: {
            apiEndpoints: ["access"],
            policies: [
              { log: { format: ":method :url :status :req[authorization] :req[x-trace] rid=:request-id" } },
              { proxy: { url: upstream.url } },
            ],
          },
          message: {
            apiEndpoints: ["message"],
            policies: [
              { log: { message: "saw ${req.method} ${req.url} from ${req.ip} as ${requestID}" } },
              { proxy: { url: upstream.url } },
            ],
          },
        },
      }),
      { args: ["--no-watch"] },
    );
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  it("writes an access line when the response finishes, with credentials redacted", async () => {
    const res = await fetch(`${gw.url}/access/x?apiKey=id:secret&page=2&access_token=t0k3n`, {
      headers: { authorization: "Bearer top-secret", "x-trace": "abc" },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-request-id")!;
    await gw.waitForOutput(new RegExp(`rid=${id}`));
    const line = gw
      .stdout()
      .split("\n")
      .find((l) => l.includes(id))!;
    expect(line).toBe(`GET /access/x?apiKey=[redacted]&page=2&access_token=[redacted] 200 [redacted] abc rid=${id}`);
    expect(gw.stdout() + gw.stderr()).not.toMatch(/secret|t0k3n/);
  });

  it("logs a message template when the policy runs", async () => {
    const res = await fetch(`${gw.url}/message/y?token=abc`);
    const id = res.headers.get("x-request-id")!;
    await gw.waitForOutput(new RegExp(`as ${id}`));
    expect(gw.stderr()).toMatch(new RegExp(`info policy log: saw GET /message/y\\?token=\\[redacted\\] from 127\\.0\\.0\\.1 as ${id}`));
  });
});
