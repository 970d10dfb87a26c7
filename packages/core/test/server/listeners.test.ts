import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, writeConfig, type TestUpstream } from "@turnpike/testing";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";

function selfSigned(dir: string, name: string, cn: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${cn}`],
    { stdio: "ignore" },
  );
  return { key, cert };
}

function httpsGet(url: string, servername: string): Promise<{ status: number; body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, servername, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        resolve({ status: res.statusCode!, body, cn: String(cert.subject?.CN) });
      });
    });
    req.on("error", reject);
  });
}

describe("listeners", () => {
  let upstream: TestUpstream;
  let dir: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-tls-"));
    selfSigned(dir, "default", "default.test");
    selfSigned(dir, "api", "api.example.test");
  });
  afterAll(async () => upstream.close());

  it("serves HTTPS with Express Gateway's per-hostname certificates (SNI) and tells the upstream the protocol", async () => {
    const file = writeConfig(
      {
        https: {
          port: 0,
          host: "127.0.0.1",
          tls: { default: { key: "./default.key", cert: "./default.crt" }, "api.example.test": { key: "./api.key", cert: "./api.crt" } },
        },
        apiEndpoints: { all: {} },
        pipelines: { p: { apiEndpoints: ["all"], policies: [{ proxy: { url: upstream.url } }] } },
      },
      "gateway.config.yml",
      dir,
    );
    const gw = await createGateway({ config: file, logger: silentLogger });
    try {
      const url = (await gw.listen()).https!;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const api = await httpsGet(`${url}/x`, "api.example.test");
      expect(api).toMatchObject({ status: 200, cn: "api.example.test" });
      expect(upstream.requests.at(-1)!.headers["x-forwarded-proto"]).toBe("https");
      expect((await httpsGet(`${url}/x`, "other.test")).cn).toBe("default.test");
    } finally {
      await gw.close();
    }
  });

  it("cuts a client that does not finish its request head within headersTimeout with 408", async () => {
    const gw: Gateway = await createGateway({
      logger: silentLogger,
      config: {
        http: { port: 0, host: "127.0.0.1" },
        server: { headersTimeout: 300, requestTimeout: 600 },
        apiEndpoints: { a: {} },
        pipelines: { p: { apiEndpoints: ["a"], policies: [{ terminate: {} }] } },
      },
    });
    try {
      const { port } = new URL((await gw.listen()).http!);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), "127.0.0.1");
        let received = "";
        socket.on("data", (d) => (received += d.toString()));
        socket.on("close", () => resolve(received));
        socket.on("error", reject);
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n"); // and never the blank line
      });
      expect(answer).toMatch(/^HTTP\/1.1 408/);
      expect(answer).toMatch(/"code":"REQUEST_TIMEOUT"/);
    } finally {
      await gw.close();
    }
  });
});
