/**
 * The forwarder's flow control: a client that reads slowly holds the upstream back instead of the
 * gateway buffering the body, and a client that goes away mid-body frees the upstream connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, definePolicy, silentLogger, type Gateway } from "@turnpike/core";
import type { Response } from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { responseHeaderList } from "../../src/proxy/undici-forwarder.js";
import { DEFAULT_POOL_SETTINGS, upstreamPools } from "../../src/proxy/upstream-pools.js";

const BODY_BYTES = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "x");

/** An upstream that streams BODY_BYTES as fast as its client reads them, counting what it wrote (for the latest request). */
interface BigUpstream {
  readonly url: string;
  written(): number;
  /** Resolves when the response to the latest request closes (whether it was sent whole). */
  closed(): Promise<{ finished: boolean }>;
  close(): Promise<void>;
}

async function startBigUpstream(): Promise<BigUpstream> {
  let written = 0;
  let lastClose: Promise<{ finished: boolean }> | undefined;
  const server = http.createServer((_req, res) => {
    written = 0;
    lastClose = new Promise((resolve) => res.once("close", () => resolve({ finished: res.writableFinished })));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(BODY_BYTES) });
    let sent = 0;
    const pump = (): void => {
      while (sent < BODY_BYTES && !res.destroyed) {
        sent += CHUNK.length;
        written += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    closed: () => lastClose!,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Polls (bounded) until the upstream has written nothing new for 300 ms, or everything. */
async function untilUpstreamStalls(upstream: BigUpstream): Promise<void> {
  let last = -1;
  let still = 0;
  for (let i = 0; i < 200 && upstream.written() < BODY_BYTES; i++) {
    await new Promise((r) => setTimeout(r, 50));
    still = upstream.written() === last ? still + 1 : 0;
    last = upstream.written();
    if (still >= 6) return;
  }
}

describe("flow control between a slow client and the upstream", () => {
  let upstream: BigUpstream;
  let gw: Gateway;
  let url: string;
  const responses: Response[] = [];

  beforeAll(async () => {
    upstream = await startBigUpstream();
    // Keeps each response object so the test can read how much the gateway holds for the client.
    const keepResponse = definePolicy({
      name: "keep-response",
      schema: { type: "object", properties: {} },
      create: () =>
        function keepResponse(_req, res, next) {
          responses.push(res);
          next();
        },
    });
    gw = await createGateway({
      logger: silentLogger,
      policies: [keepResponse],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { all: { paths: ["/*"] } },
        pipelines: { p: { apiEndpoints: ["all"], policies: [{ "keep-response": {} }, { proxy: { url: upstream.url } }] } },
      },
    });
    url = (await gw.listen()).http!;
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  /** Starts a download through the gateway and stops reading once the first bytes arrived. */
  function slowDownload(): Promise<{ response: http.IncomingMessage; request: http.ClientRequest; received: () => number }> {
    return new Promise((resolve, reject) => {
      let received = 0;
      const request = http.get(`${url}/big`, { agent: false }, (response) => {
        response.on("data", (chunk: Buffer) => (received += chunk.length));
        response.once("data", () => {
          response.pause();
          resolve({ response, request, received: () => received });
        });
      });
      request.on("error", reject);
    });
  }

  it("holds the upstream back while the client reads nothing, then delivers every byte", async () => {
    const { response, received } = await slowDownload();
    await untilUpstreamStalls(upstream);
    const gatewayResponse = responses.at(-1)!;
    // Without backpressure the gateway would read the whole body and queue it for the client.
    expect(upstream.written()).toBeLessThan(BODY_BYTES);
    expect(gatewayResponse.writableLength).toBeLessThan(1024 * 1024);

    const ended = new Promise<void>((r) => response.once("end", r));
    response.resume();
    await ended;
    expect(received()).toBe(BODY_BYTES);
    expect(await upstream.closed()).toEqual({ finished: true });
  });

  it("frees the upstream connection when a client stops reading and then goes away", async () => {
    const { request } = await slowDownload();
    await untilUpstreamStalls(upstream);
    const pool = upstreamPools(gw.stores.shared).get(new URL(upstream.url).origin, DEFAULT_POOL_SETTINGS);
    expect(pool.stats.running).toBe(1);
    const disconnected = new Promise((r) => pool.once("disconnect", r));
    request.destroy();
    // The upstream sees its response cut short; the gateway drops that connection and runs nothing more.
    expect(await upstream.closed()).toEqual({ finished: false });
    await disconnected;
    // undici drops the aborted request from its queue right after the disconnect event.
    await new Promise((r) => setImmediate(r));
    expect(pool.stats.running).toBe(0);
    expect(pool.stats.pending).toBe(0);

    // And the gateway goes on serving: a full download right after.
    const full = await new Promise<number>((resolve, reject) => {
      http
        .get(`${url}/again`, { agent: false }, (response) => {
          let bytes = 0;
          response.on("data", (chunk: Buffer) => (bytes += chunk.length));
          response.on("end", () => resolve(bytes));
        })
        .on("error", reject);
    });
    expect(full).toBe(BODY_BYTES);
  });
});

describe("responseHeaderList", () => {
  it("uses the header lines as received when undici gives them", () => {
    const raw = [Buffer.from("Set-Cookie"), Buffer.from("a=1"), Buffer.from("set-cookie"), Buffer.from("b=2")];
    expect(responseHeaderList({ rawHeaders: raw }, { "set-cookie": ["a=1", "b=2"] })).toBe(raw);
  });

  it("rebuilds a flat list from parsed headers otherwise, repeated headers kept", () => {
    expect(responseHeaderList({ rawHeaders: null }, { "set-cookie": ["a=1", "b=2"], "content-type": "text/plain" })).toEqual([
      "set-cookie",
      "a=1",
      "set-cookie",
      "b=2",
      "content-type",
      "text/plain",
    ]);
  });
});
