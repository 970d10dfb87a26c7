/**
 * What a miss stores: only complete upstream responses, never one the upstream cut off, and never more
 * than maxEntrySize (larger responses stream through whole).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import { send, startCacheGateway, type Harness } from "./support/harness.js";

describe("capturing responses", () => {
  let upstream: TestUpstream;
  let h: Harness;
  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const size = Number(url.searchParams.get("size") ?? 100);
      const body = Buffer.alloc(size, "a");
      if (url.pathname.startsWith("/reset")) {
        // Promise a whole body, send a part, then cut the connection.
        res.writeHead(200, url.pathname === "/reset-chunked" ? {} : { "content-length": String(size) });
        res.write(body.subarray(0, size / 2));
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (url.pathname.startsWith("/chunked")) {
        res.writeHead(200, { "content-type": "text/plain" });
        for (let i = 0; i < size; i += 1000) res.write(body.subarray(i, i + 1000));
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(size) });
      res.end(body);
    });
    h = await startCacheGateway({ cache: { ttl: 60, maxEntrySize: 4000 }, upstreamServer: upstream });
  });
  afterAll(async () => {
    await h.close();
    await upstream.close();
  });

  it.each([["/reset"], ["/reset-chunked"]])("never stores a response the upstream reset mid-body (%s)", async (path) => {
    await expect(send(h.url, `${path}?size=2000`)).rejects.toThrow();
    await expect(send(h.url, `${path}?size=2000`)).rejects.toThrow();
    expect(h.received(path)).toHaveLength(2);
  });

  it("streams a response larger than maxEntrySize (declared length) whole, without storing it", async () => {
    const first = await send(h.url, "/big?size=10000");
    expect(first.text).toHaveLength(10000);
    const second = await send(h.url, "/big?size=10000");
    expect([second.headers["x-cache"], second.text.length]).toEqual(["MISS", 10000]);
  });

  it("gives up the copy of a chunked response once it passes maxEntrySize, and still streams it whole", async () => {
    const first = await send(h.url, "/chunked-big?size=9000");
    expect(first.text).toHaveLength(9000);
    const second = await send(h.url, "/chunked-big?size=9000");
    expect([second.headers["x-cache"], second.text.length]).toEqual(["MISS", 9000]);
  });

  it("stores a chunked response within the limit and serves it with a Content-Length", async () => {
    await send(h.url, "/chunked-small?size=3500");
    const hit = await send(h.url, "/chunked-small?size=3500");
    expect([hit.headers["x-cache"], hit.headers["content-length"], hit.text.length]).toEqual(["HIT", "3500", 3500]);
  });

  it("stores responses written by a policy with res.json as well as by the proxy", async () => {
    const { createGateway, definePolicy, silentLogger } = await import("@turnpike/core");
    const { createCachePolicy } = await import("../src/index.js");
    let n = 0;
    const answer = definePolicy({
      name: "answer",
      schema: { type: "object", properties: {} },
      create: () => (_req, res) => void res.json({ n: ++n }),
    });
    const gw = await createGateway({
      logger: silentLogger,
      policies: [createCachePolicy(), answer],
      config: {
        apiEndpoints: { all: { paths: ["/*"] } },
        pipelines: { p: { apiEndpoints: ["all"], policies: [{ cache: { ttl: 60 } }, { answer: {} }] } },
      },
    });
    const request = (await import("supertest")).default;
    // supertest listens on a new port per request: fix the Host, which is part of the key.
    const first = await request(gw.app).get("/json").set("host", "api.example.com").expect(200);
    const second = await request(gw.app).get("/json").set("host", "api.example.com").expect(200);
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.body).toEqual(first.body);
    await gw.close();
  });
});
