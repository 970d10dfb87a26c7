import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import http from "node:http";
import type { AddressInfo } from "node:net";

describe("upstream connections", () => {
  let upstream: http.Server;
  let connections = 0;
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end("ok"));
    upstream.keepAliveTimeout = 10_000;
    upstream.on("connection", () => connections++);
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const port = (upstream.address() as AddressInfo).port;
    gw = await createGateway({
      logger: silentLogger,
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { a: {} },
        pipelines: { p: { apiEndpoints: ["a"], policies: [{ proxy: { url: `http://127.0.0.1:${port}` } }] } },
      },
    });
    url = (await gw.listen()).http!;
  });
  afterAll(async () => {
    await gw.close();
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  it("are kept alive and reused", async () => {
    for (let i = 0; i < 50; i++) expect(await (await fetch(`${url}/r${i}`)).text()).toBe("ok");
    expect(connections).toBe(1);
  });
});
