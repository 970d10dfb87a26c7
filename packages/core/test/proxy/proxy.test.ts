import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { send, sendRaw } from "./http-client.js";

/** A TCP server that answers every connection with `behaviour`. */
async function tcpServer(behaviour: (socket: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    behaviour(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

async function refusedUrl(): Promise<string> {
  const s = await tcpServer(() => undefined);
  await s.close();
  return s.url;
}

describe("proxy", () => {
  let upstream: TestUpstream;
  let silent: { url: string; close(): Promise<void> };
  let garbage: { url: string; close(): Promise<void> };
  let reset: { url: string; close(): Promise<void> };
  let midBody: TestUpstream;
  let gw: Gateway;
  let url: string;
  let trustedGw: Gateway;
  let trustedUrl: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    silent = await tcpServer(() => undefined); // accepts, never answers
    garbage = await tcpServer((s) => s.once("data", () => s.end("HTTP/1.1 banana\r\n\r\n")));
    reset = await tcpServer((s) => s.once("data", () => s.resetAndDestroy()));
    midBody = await startUpstream((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const refused = await refusedUrl();
    const pipelines = {
      api: { apiEndpoints: ["api"], policies: [{ proxy: { serviceEndpoint: "echo", changeOrigin: false } }] },
      based: { apiEndpoints: ["based"], policies: [{ proxy: { url: `${upstream.url}/base/`, stripPath: true } }] },
      silent: { apiEndpoints: ["silent"], policies: [{ proxy: { url: silent.url, proxyTimeout: 300 } }] },
      refused: { apiEndpoints: ["refused"], policies: [{ proxy: { url: refused } }] },
      garbage: { apiEndpoints: ["garbage"], policies: [{ proxy: { url: garbage.url } }] },
      reset: { apiEndpoints: ["reset"], policies: [{ proxy: { url: reset.url } }] },
      midbody: { apiEndpoints: ["midbody"], policies: [{ proxy: { url: midBody.url } }] },
      limited: { apiEndpoints: ["limited"], policies: [{ "request-size": { limit: "1kb" } }, { proxy: { serviceEndpoint: "echo" } }] },
      ignored: { apiEndpoints: ["ignored"], policies: [{ proxy: { url: `${upstream.url}/fixed/target`, ignorePath: true } }] },
      unprefixed: { apiEndpoints: ["unprefixed"], policies: [{ proxy: { url: `${upstream.url}/base`, prependPath: false } }] },
      noxfwd: { apiEndpoints: ["noxfwd"], policies: [{ proxy: { serviceEndpoint: "echo", xfwd: false } }] },
    };
    const apiEndpoints = {
      api: { paths: ["/api", "/api/*"] },
      based: { paths: ["/based/*"] },
      silent: { paths: ["/silent"] },
      refused: { paths: ["/refused"] },
      garbage: { paths: ["/garbage"] },
      reset: { paths: ["/reset"] },
      midbody: { paths: ["/midbody"] },
      limited: { paths: ["/limited"] },
      ignored: { paths: ["/ignored/*"] },
      unprefixed: { paths: ["/unprefixed/*"] },
      noxfwd: { paths: ["/noxfwd"] },
    };
    const base = { http: { port: 0, host: "127.0.0.1" }, apiEndpoints, serviceEndpoints: { echo: { url: upstream.url } }, pipelines };
    gw = await createGateway({ logger: silentLogger, config: base });
    url = (await gw.listen()).http!;
    trustedGw = await createGateway({ logger: silentLogger, config: { ...base, trustProxy: ["loopback"] } });
    trustedUrl = (await trustedGw.listen()).http!;
  });

  afterAll(async () => {
    await gw.close();
    await trustedGw.close();
    await Promise.all([upstream.close(), silent.close(), garbage.close(), reset.close(), midBody.close()]);
  });

  const last = () => upstream.requests.at(-1)!;

  it("forwards method, path, query and body byte for byte", async () => {
    const res = await send(url, {
      method: "PUT",
      path: "/api/a%2Fb/c?z=1&a=%2F&z=2",
      headers: { "content-type": "text/plain", "x-custom": "v" },
      body: "payload",
    });
    expect(res.status).toBe(200);
    expect(last()).toMatchObject({ method: "PUT", url: "/api/a%2Fb/c?z=1&a=%2F&z=2", body: "payload" });
    expect(last().headers).toMatchObject({ "content-type": "text/plain", "x-custom": "v", "content-length": "7" });
  });

  it("ignorePath forwards to the upstream URL's path alone; prependPath: false drops the URL's path", async () => {
    await send(url, { path: "/ignored/a/b?q=1" });
    expect(last().url).toBe("/fixed/target");
    await send(url, { path: "/unprefixed/a?q=1" });
    expect(last().url).toBe("/unprefixed/a?q=1");
  });

  it("with xfwd: false adds no X-Forwarded-* and passes none a client sent", async () => {
    await send(url, { path: "/noxfwd", headers: { "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil" } });
    expect(last().headers["x-forwarded-for"]).toBeUndefined();
    expect(last().headers["x-forwarded-proto"]).toBeUndefined();
    expect(last().headers["x-forwarded-host"]).toBeUndefined();
    expect(last().headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("forwards the canonical path after dot-segment removal", async () => {
    await send(url, { path: "/api/x/%2e%2e/y/./z" });
    expect(last().url).toBe("/api/y/z");
  });

  it("keeps the client's Host without changeOrigin, sets X-Forwarded-* and the request id", async () => {
    const res = await send(url, { path: "/api", headers: { host: "gw.example.com:8443" } });
    const id = res.headers["x-request-id"];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(last().headers).toMatchObject({
      host: "gw.example.com:8443",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-host": "gw.example.com:8443",
      "x-request-id": id,
    });
  });

  it("does not let an untrusted client choose X-Forwarded-*, Forwarded or the request id", async () => {
    await send(url, {
      path: "/api",
      headers: {
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "evil",
        forwarded: "for=6.6.6.6",
        "x-real-ip": "6.6.6.6",
        "x-request-id": "chosen",
      },
    });
    expect(last().headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(last().headers["x-forwarded-proto"]).toBe("http");
    expect(last().headers["x-forwarded-host"]).not.toBe("evil");
    expect(last().headers.forwarded).toBeUndefined();
    expect(last().headers["x-real-ip"]).toBeUndefined();
    expect(last().headers["x-request-id"]).not.toBe("chosen");
  });

  it("appends to X-Forwarded-For and keeps the request id of a trusted peer", async () => {
    const res = await send(trustedUrl, {
      path: "/api",
      headers: { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "x-request-id": "abc-123" },
    });
    expect(res.headers["x-request-id"]).toBe("abc-123");
    expect(last().headers).toMatchObject({
      "x-forwarded-for": "203.0.113.7, 127.0.0.1",
      "x-forwarded-proto": "https",
      "x-request-id": "abc-123",
    });
  });

  it("removes hop-by-hop headers, including those named in Connection, in both directions", async () => {
    await send(url, {
      path: "/api",
      headers: {
        connection: "keep-alive, x-secret-hop",
        "x-secret-hop": "1",
        "keep-alive": "timeout=5",
        "proxy-connection": "keep-alive",
        proxy: "http://evil",
        te: "gzip, trailers",
        upgrade: "websocket",
        "x-kept": "1",
      },
    });
    const h = last().headers;
    for (const name of ["x-secret-hop", "keep-alive", "proxy-connection", "proxy", "upgrade"]) expect(h[name]).toBeUndefined();
    expect(h.te).toBe("trailers");
    expect(h["x-kept"]).toBe("1");

    const hoppy = await startUpstream((_req, res) => {
      res.writeHead(
        200,
        [
          ["Connection", "x-hop-out"],
          ["X-Hop-Out", "1"],
          ["Keep-Alive", "timeout=1"],
          ["X-End", "1"],
          ["Set-Cookie", "a=1"],
          ["Set-Cookie", "b=2"],
        ].flat(),
      );
      res.end("ok");
    });
    const gw2 = await createGateway({
      logger: silentLogger,
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { a: {} },
        pipelines: { p: { apiEndpoints: ["a"], policies: [{ proxy: { url: hoppy.url } }] } },
      },
    });
    try {
      const res = await send((await gw2.listen()).http!, { path: "/" });
      expect(res.headers["x-hop-out"]).toBeUndefined();
      expect(res.headers["x-end"]).toBe("1");
      expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      expect(res.headers["keep-alive"]).not.toBe("timeout=1");
    } finally {
      await gw2.close();
      await hoppy.close();
    }
  });

  it("strips identity headers a client sent on every route", async () => {
    await send(url, {
      path: "/api",
      headers: {
        "x-consumer-id": "admin",
        "x-consumer-username": "root",
        "x-credential-identifier": "k",
        "x-anonymous-consumer": "false",
        "x-authenticated-userid": "1",
        "eg-consumer-id": "x",
      },
    });
    const names = Object.keys(last().headers);
    expect(names.filter((n) => /^(x-consumer-|x-credential-|x-anonymous-consumer|x-authenticated-|eg-consumer-id)/.test(n))).toEqual([]);
  });

  it("prepends the upstream URL's path and strips the matched prefix with stripPath", async () => {
    await send(url, { path: "/based/users/7?q=1" });
    expect(last().url).toBe("/base/users/7?q=1");
    expect(last().headers.host).toBe(new URL(upstream.url).host);
  });

  it("streams large bodies both ways", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, "x");
    const res = await send(url, { method: "POST", path: "/api", body, headers: { "content-type": "application/octet-stream" } });
    expect(res.status).toBe(200);
    expect(last().body.length).toBe(body.length);
    expect(res.body.length).toBeGreaterThan(body.length);
  });

  it("answers 404 with a JSON error for unmatched paths and 400 for malformed encoding", async () => {
    const notFound = await send(url, { path: "/nope" });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body)).toEqual({
      error: { status: 404, code: "NOT_FOUND", message: "No API endpoint matches this request" },
    });
    expect(notFound.headers["x-request-id"]).toBeDefined();
    const bad = await send(url, { path: "/api/%E0%A4%A" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe("BAD_PATH_ENCODING");
  });

  it.each([
    ["/refused", 502, "UPSTREAM_UNAVAILABLE"],
    ["/reset", 502, "UPSTREAM_UNAVAILABLE"],
    ["/garbage", 502, "UPSTREAM_BAD_RESPONSE"],
    ["/silent", 504, "UPSTREAM_TIMEOUT"],
  ])("%s -> %i %s", async (path, status, code) => {
    const res = await send(url, { path });
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body)).toMatchObject({ error: { status, code } });
    expect(res.body).not.toMatch(/ECONN|at |127\.0\.0\.1/);
  });

  it("cuts the client connection when the upstream dies mid-body, instead of ending cleanly", async () => {
    await expect(send(url, { path: "/midbody" })).rejects.toThrow();
  });

  it("aborts the upstream request when the client goes away", async () => {
    let upstreamSawClose!: () => void;
    const closed = new Promise<void>((r) => (upstreamSawClose = r));
    const slow = await startUpstream(() => undefined);
    const server = http.createServer((req) => req.on("close", () => upstreamSawClose()));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    await slow.close();
    const gw3 = await createGateway({
      logger: silentLogger,
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { a: {} },
        pipelines: {
          p: { apiEndpoints: ["a"], policies: [{ proxy: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } }] },
        },
      },
    });
    try {
      const gwUrl = new URL((await gw3.listen()).http!);
      const socket = net.connect(Number(gwUrl.port), "127.0.0.1");
      socket.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      socket.on("error", () => undefined);
      // Once the upstream has the request, the client hangs up; the upstream must see its request end.
      await new Promise((r) => setTimeout(r, 100));
      socket.destroy();
      await closed;
    } finally {
      await gw3.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("answers 413 before forwarding an oversized body, for Content-Length and chunked bodies", async () => {
    const before = upstream.requests.length;
    const declared = await send(url, { method: "POST", path: "/limited", body: Buffer.alloc(2048, "a") });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    const chunked = await sendRaw(
      url,
      `POST /limited HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${"b".repeat(2048)}\r\n0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1.1 413/);
    expect(upstream.requests.length - before).toBeLessThanOrEqual(1);
    expect(upstream.requests.slice(before).every((r) => r.body.length <= 1024)).toBe(true);
    const small = await send(url, { method: "POST", path: "/limited", body: "small" });
    expect(small.status).toBe(200);
  });

  it("rejects ambiguous framing and oversized heads with JSON errors, forwarding nothing", async () => {
    const before = upstream.requests.length;
    const both = await sendRaw(url, "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    expect(both).toMatch(/^HTTP\/1.1 400/);
    expect(both).toMatch(/"code":"BAD_REQUEST"/);
    const huge = await sendRaw(url, `GET /api HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1.1 431/);
    const hostless = await sendRaw(url, "GET /api HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect(hostless).toMatch(/^HTTP\/1.1 400/);
    expect(hostless).toMatch(/"message":"The Host header is required"/);
    const twoHosts = await sendRaw(url, "GET /api HTTP/1.1\r\nHost: x\r\nhost: admin.internal\r\nConnection: close\r\n\r\n");
    expect(twoHosts).toMatch(/^HTTP\/1.1 400/);
    expect(twoHosts).toMatch(/"message":"More than one Host header"/);
    expect(upstream.requests.length).toBe(before);
  });

  it("routes an absolute-form request on its own authority and forwards that host, not the Host header", async () => {
    const before = upstream.requests.length;
    const answer = await sendRaw(url, "GET http://API.example.test:80/api/abs HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    const seen = upstream.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("/api/abs");
    expect(seen[0]!.headers.host).toBe("API.example.test:80");
    expect(seen[0]!.headers["x-forwarded-host"]).toBe("API.example.test:80");
  });
});
