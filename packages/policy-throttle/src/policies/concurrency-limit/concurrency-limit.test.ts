import { afterEach, describe, expect, it } from "@jest/globals";
import type { Consumer, Gateway, PolicyMiddleware, RequestState } from "@turnpike/core";
import { concurrencyLimitPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp } from "@turnpike/testing";
import { burst, count, gatewayWith, pipelineConfig, startHeldUpstream, type HeldUpstream } from "../../../test/helpers.js";

const LISTEN = { http: { port: 0, host: "127.0.0.1" } };

/** Resolves when `n` more responses of `gw` have ended (sent, aborted or failed). */
function responsesEnded(gw: Gateway, n: number): Promise<RequestState[]> {
  const seen: RequestState[] = [];
  return new Promise((resolve) => {
    const stop = gw.observe((_req, _res, state) => {
      seen.push(state);
      if (seen.length === n) {
        stop();
        resolve(seen);
      }
    });
  });
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe("concurrency-limit", () => {
  let gw: Gateway | undefined;
  let upstream: HeldUpstream | undefined;
  afterEach(async () => {
    upstream?.releaseAll();
    await gw?.close();
    await upstream?.close();
    gw = undefined;
    upstream = undefined;
  });

  async function start(
    options: Record<string, unknown>,
    extra: { consumer?: Consumer; before?: PolicyMiddleware[] } = {},
  ): Promise<string> {
    upstream = await startHeldUpstream();
    gw = await createPolicyApp(concurrencyLimitPolicy, options, { upstream: upstream.url, config: LISTEN, ...extra });
    return (await gw.listen()).http!;
  }

  it("lets max requests in flight and answers the next 503 CONCURRENCY_LIMITED with Retry-After, until one ends", async () => {
    const url = await start({ max: 2 });
    const a = get(`${url}/a`);
    const b = get(`${url}/b`);
    await upstream!.waitForHeld(2);
    const refused = await get(`${url}/c`);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({
      error: { status: 503, code: "CONCURRENCY_LIMITED", message: "Too many requests in flight, please retry" },
    });
    expect(refused.headers.get("retry-after")).toBe("1");
    upstream!.releaseOne();
    expect((await a).status).toBe(200);
    const d = get(`${url}/d`);
    await upstream!.waitForHeld(2);
    upstream!.releaseAll();
    expect([(await b).status, (await d).status]).toEqual([200, 200]);
  });

  it("lets exactly max of 100 simultaneous requests through", async () => {
    const url = await start({ max: 10, retryAfter: 0 });
    // The other 90 are refused while the first 10 are held; only then are the 10 let go.
    const refused = new Promise<void>((resolve) => {
      let n = 0;
      const stop = gw!.observe((_req, res) => {
        if (res.statusCode === 503 && ++n === 90) {
          stop();
          resolve();
        }
      });
    });
    const all = burst(`${url}/x`, 100);
    await upstream!.waitForHeld(10);
    await refused;
    expect(upstream!.held.length).toBe(10);
    upstream!.releaseAll();
    const statuses = await all;
    expect(count(statuses, 200)).toBe(10);
    expect(count(statuses, 503)).toBe(90);
  });

  it("queues up to maxQueue requests and hands them the next free slot, oldest first", async () => {
    const url = await start({ max: 1, maxQueue: 2, queueTimeout: 30_000 });
    const first = get(`${url}/1`);
    await upstream!.waitForHeld(1);
    const second = get(`${url}/2`);
    const third = get(`${url}/3`);
    // Queue full: the fourth is refused at once.
    await expect(get(`${url}/4`)).resolves.toMatchObject({ status: 503 });
    upstream!.releaseOne();
    await upstream!.waitForHeld(1);
    expect(upstream!.held[0]!.req.url).toBe("/2");
    expect((await first).status).toBe(200);
    upstream!.releaseOne();
    await upstream!.waitForHeld(1);
    expect(upstream!.held[0]!.req.url).toBe("/3");
    upstream!.releaseOne();
    expect([(await second).status, (await third).status]).toEqual([200, 200]);
  });

  it("answers 503 when a queued request waits longer than queueTimeout", async () => {
    const url = await start({ max: 1, maxQueue: 5, queueTimeout: 50 });
    const first = get(`${url}/1`);
    await upstream!.waitForHeld(1);
    const late = await get(`${url}/2`);
    expect(late.status).toBe(503);
    expect(JSON.parse(late.body).error.code).toBe("CONCURRENCY_LIMITED");
    upstream!.releaseAll();
    expect((await first).status).toBe(200);
  });

  it("gives the slot back when the client aborts, and when the upstream breaks the exchange", async () => {
    const url = await start({ max: 1 });
    const abort = new AbortController();
    const aborted = get(`${url}/1`, { signal: abort.signal }).catch((err: Error) => err.name);
    await upstream!.waitForHeld(1);
    const ended = responsesEnded(gw!, 1);
    abort.abort();
    expect(await aborted).toBe("AbortError");
    await ended;

    const broken = get(`${url}/2`);
    await upstream!.waitForHeld(2);
    upstream!.held[1]!.socket!.destroy();
    expect((await broken).status).toBe(502);

    const ok = get(`${url}/3`);
    await upstream!.waitForHeld(3);
    upstream!.releaseAll();
    expect((await ok).status).toBe(200);
  });

  it("leaves a queue when its client goes away", async () => {
    // The memory store decides synchronously: once a request has passed the step before the limit, it holds a slot or waits in the queue.
    let reached: (() => void) | undefined;
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    const url = await start(
      { max: 1, maxQueue: 1, queueTimeout: 30_000 },
      {
        before: [
          (req, _res, next) => {
            next();
            if (req.url === "/2") reached!();
          },
        ],
      },
    );
    const first = get(`${url}/1`);
    await upstream!.waitForHeld(1);
    const abort = new AbortController();
    const queued = get(`${url}/2`, { signal: abort.signal }).catch((err: Error) => err.name);
    await arrived;
    expect((await get(`${url}/full`)).status).toBe(503);
    const ended = responsesEnded(gw!, 1);
    abort.abort();
    expect(await queued).toBe("AbortError");
    await ended;
    // The queue has room again, and the aborted request never reached the upstream.
    const third = get(`${url}/3`);
    upstream!.releaseOne();
    await upstream!.waitForHeld(1);
    expect(upstream!.held.length).toBe(1);
    upstream!.releaseAll();
    expect([(await first).status, (await third).status]).toEqual([200, 200]);
  });

  it("counts per key with by, and steps of one group share their slots", async () => {
    upstream = await startHeldUpstream();
    gw = await gatewayWith([concurrencyLimitPolicy], {
      ...LISTEN,
      apiEndpoints: { a: { paths: ["/a/*"] }, b: { paths: ["/b/*"] } },
      pipelines: {
        a: { apiEndpoints: ["a"], policies: [{ "concurrency-limit": { max: 1, group: "backend" } }, { proxy: { url: upstream.url } }] },
        b: { apiEndpoints: ["b"], policies: [{ "concurrency-limit": { max: 1, group: "backend" } }, { proxy: { url: upstream.url } }] },
      },
    });
    const url = (await gw.listen()).http!;
    const first = get(`${url}/a/1`);
    await upstream.waitForHeld(1);
    expect((await get(`${url}/b/1`)).status).toBe(503);
    upstream.releaseAll();
    expect((await first).status).toBe(200);
    await gw.close();

    gw = await gatewayWith([concurrencyLimitPolicy], {
      ...pipelineConfig([{ "concurrency-limit": { max: 1, by: "header:x-tenant" } }, { proxy: { url: upstream.url } }]),
      ...LISTEN,
    });
    const url2 = (await gw.listen()).http!;
    const t1 = get(`${url2}/`, { headers: { "x-tenant": "t1" } });
    const t2 = get(`${url2}/`, { headers: { "x-tenant": "t2" } });
    await upstream.waitForHeld(2);
    expect((await get(`${url2}/`, { headers: { "x-tenant": "t1" } })).status).toBe(503);
    upstream.releaseAll();
    expect([(await t1).status, (await t2).status]).toEqual([200, 200]);
  });
});
