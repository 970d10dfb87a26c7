/**
 * Helpers shared by the throttling tests.
 */
import { jest } from "@jest/globals";
import { createGateway, createLogger, type Gateway, type Logger, type PolicyDefinition } from "@turnpike/core";
import type { ServerResponse } from "node:http";

/** A start date far from any period boundary surprises: 2030-01-15T10:00:00Z (a Tuesday). */
export const START = Date.UTC(2030, 0, 15, 10, 0, 0);

/**
 * Fakes `Date` only (timers, I/O and microtasks stay real, so HTTP and Redis work): the clock moves
 * when the test says so.
 */
export function fakeClock(start = START): { advance(ms: number): void; set(at: number): void } {
  jest.useFakeTimers({
    now: start,
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
  return {
    advance: (ms) => jest.setSystemTime(Date.now() + ms),
    set: (at) => jest.setSystemTime(at),
  };
}

/** A logger that keeps its lines. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}

/** A gateway config with one pipeline on every path, its policies as given. */
export function pipelineConfig(policies: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    apiEndpoints: { all: { paths: ["/*"] } },
    pipelines: { api: { apiEndpoints: ["all"], policies } },
  };
}

/** `terminate` answering 200 "ok": the end of a test pipeline. */
export const OK = { terminate: { statusCode: 200, message: "ok" } };

/** Builds an in-process gateway with the given policies available. */
export async function gatewayWith(policies: PolicyDefinition<any>[], config: Record<string, unknown>, logger?: Logger): Promise<Gateway> {
  return createGateway({ config, policies, logger: logger ?? createLogger({ level: "silent" }) });
}

/** Sends `count` GET requests to `url` at once; resolves with their statuses. */
export async function burst(url: string, count: number, init: RequestInit = {}): Promise<number[]> {
  const responses = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      return res.status;
    }),
  );
  return responses;
}

/** How many of `statuses` equal `status`. */
export function count(statuses: number[], status: number): number {
  return statuses.filter((s) => s === status).length;
}

/** An upstream that holds every request until the test lets it answer. */
export interface HeldUpstream {
  readonly url: string;
  /** Responses waiting, oldest first. */
  readonly held: ServerResponse[];
  /** Resolves once at least `n` requests are held. */
  waitForHeld(n: number): Promise<void>;
  /** Answers the oldest held request with 200. */
  releaseOne(): void;
  /** Answers every held request. */
  releaseAll(): void;
  close(): Promise<void>;
}

/** Starts a {@link HeldUpstream} on 127.0.0.1. */
export async function startHeldUpstream(): Promise<HeldUpstream> {
  const { startUpstream } = await import("@turnpike/testing");
  const held: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const upstream = await startUpstream((_req, res) => {
    held.push(res);
    for (const w of [...waiters]) {
      if (held.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const answer = (res: ServerResponse): void => {
    if (!res.writableEnded && !res.destroyed) res.end("held ok");
  };
  return {
    url: upstream.url,
    held,
    waitForHeld: (n) => (held.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    releaseOne: () => {
      const res = held.shift();
      if (res) answer(res);
    },
    releaseAll: () => {
      for (const res of held.splice(0)) answer(res);
    },
    close: () => upstream.close(),
  };
}
