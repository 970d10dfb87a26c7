/**
 * A pool of worker threads running one handler, one invocation per worker at a time. A worker whose
 * handler runs past its timeout is terminated (which stops even a busy loop) and replaced; so is one
 * that crashes. Requests wait in order for a free worker, at most their timeout.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { FunctionTimeoutError, HandlerFailedError, type FunctionRunner } from "./function-runner.js";
import type { FunctionResponse, HandlerFailure, Invocation } from "./invocation.js";
import type { WorkerReply, WorkerSetup } from "./worker-messages.js";

/** The worker script: the compiled `worker-entry.js` beside this file (from `dist/` when this runs from source, as in tests). */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = here.replace(/worker-pool\.[jt]s$/, "worker-entry.js");
  if (existsSync(sibling)) return sibling;
  return sibling.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, "$1dist$2");
}

interface Job {
  readonly id: number;
  readonly invocation: Invocation;
  readonly timeout: number;
  readonly resolve: (response: FunctionResponse) => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | undefined;
}

/** Reports the pool's events to the policy (for logs and metrics). */
export interface PoolEvents {
  /** A worker was terminated and replaced (its handler ran past the timeout, or it crashed). */
  replaced(reason: string): void;
  /** A replacement worker could not load the module (it is retried). */
  loadFailed(failure: HandlerFailure): void;
  /** A replacement worker has loaded the module and takes requests. */
  replacementReady(): void;
}

/** Options of {@link startWorkerPool}. */
export interface WorkerPoolOptions {
  readonly setup: WorkerSetup;
  readonly size: number;
  readonly events: PoolEvents;
}

const RETRY_LOAD_MS = 1000;

class WorkerPool implements FunctionRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closing = false;
  private idle: (() => void) | undefined;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts every worker; resolves when all loaded the module. @throws HandlerFailedError when it cannot load. */
  async start(): Promise<void> {
    const started = Array.from({ length: this.options.size }, () => this.spawn());
    const results = await Promise.allSettled(started.map((s) => s.loaded));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      await this.terminateAll();
      throw (failed as PromiseRejectedResult).reason;
    }
  }

  private spawn(replacing?: Slot): { slot: Slot; loaded: Promise<void> } {
    const worker = new Worker(workerScript(), { workerData: this.options.setup });
    // The pool must not keep a process alive by itself (a gateway's listeners do that).
    worker.unref();
    const slot: Slot = replacing ?? { worker, ready: false, job: undefined };
    slot.worker = worker;
    slot.ready = false;
    slot.job = undefined;
    if (!replacing) this.slots.push(slot);
    const loaded = new Promise<void>((resolve, reject) => {
      worker.on("message", (reply: WorkerReply) => {
        if (slot.worker !== worker) return;
        if (reply.type === "ready") {
          slot.ready = true;
          resolve();
          this.pump();
        } else if (reply.type === "load-error") {
          reject(new HandlerFailedError(reply.failure));
        } else this.settle(slot, reply);
      });
      // While loading, a dying worker fails its load (start() or respawn() decide); once ready, it crashed.
      worker.on("error", (err) => {
        if (slot.worker !== worker) return;
        if (!slot.ready) return reject(new HandlerFailedError({ name: err.name, message: err.message, stack: err.stack }));
        this.crashed(slot, err);
      });
      worker.on("exit", (code) => {
        if (slot.worker !== worker) return;
        const err = new Error(`the worker exited with code ${code}`);
        if (!slot.ready) return reject(new HandlerFailedError({ name: err.name, message: err.message, stack: undefined }));
        this.crashed(slot, err);
      });
    });
    return { slot, loaded };
  }

  private settle(slot: Slot, reply: Extract<WorkerReply, { type: "result" | "failure" }>): void {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if (reply.type === "result") job.resolve(reply.response);
    else job.reject(new HandlerFailedError(reply.failure));
    this.pump();
  }

  /** The worker died (an uncaught error in the handler's own callbacks, `process.exit`): fail its job, replace it. */
  private crashed(slot: Slot, err: Error): void {
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(new HandlerFailedError({ name: err.name, message: `the worker crashed: ${err.message}`, stack: err.stack }));
    }
    this.replace(slot, `crashed: ${err.message}`);
  }

  private replace(slot: Slot, reason: string): void {
    const old = slot.worker;
    slot.ready = false;
    // Detach first: events of the old worker are ignored from here on.
    slot.worker = undefined as unknown as Worker;
    void old.terminate();
    if (this.closing) return this.pumpIdle();
    this.options.events.replaced(reason);
    this.respawn(slot);
  }

  private respawn(slot: Slot): void {
    const { loaded } = this.spawn(slot);
    loaded
      .then(() => this.options.events.replacementReady())
      .catch((err: unknown) => {
        if (this.closing || !(err instanceof HandlerFailedError) || slot.ready) return;
        // The module no longer loads (edited on disk?): keep trying, the queue times out meanwhile.
        this.options.events.loadFailed(err.failure);
        const worker = slot.worker;
        slot.worker = undefined as unknown as Worker;
        void worker?.terminate();
        setTimeout(() => {
          if (!this.closing) this.respawn(slot);
        }, RETRY_LOAD_MS).unref();
      });
  }

  run(invocation: Invocation, timeout: number): Promise<FunctionResponse> {
    if (this.closing)
      return Promise.reject(new HandlerFailedError({ name: "Error", message: "the function pool is closed", stack: undefined }));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, invocation, timeout, resolve, reject, timer: undefined };
      // Waiting for a worker counts against the timeout too: a client never waits longer than it.
      job.timer = setTimeout(() => {
        const i = this.queue.indexOf(job);
        if (i !== -1) this.queue.splice(i, 1);
        reject(new FunctionTimeoutError(true));
        this.pumpIdle();
      }, timeout);
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      clearTimeout(job.timer);
      slot.job = job;
      job.timer = setTimeout(() => {
        if (slot.job !== job) return;
        slot.job = undefined;
        job.reject(new FunctionTimeoutError(false));
        this.replace(slot, "the handler ran past its timeout");
      }, job.timeout);
      slot.worker.postMessage({ id: job.id, invocation: job.invocation });
    }
    this.pumpIdle();
  }

  private pumpIdle(): void {
    if (this.idle && this.queue.length === 0 && this.slots.every((s) => s.job === undefined)) this.idle();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.queue.length > 0 || this.slots.some((s) => s.job !== undefined)) {
      await new Promise<void>((resolve) => (this.idle = resolve));
    }
    await this.terminateAll();
  }

  private async terminateAll(): Promise<void> {
    const workers = this.slots.map((s) => s.worker).filter((w) => w !== undefined);
    for (const slot of this.slots) slot.worker = undefined as unknown as Worker;
    await Promise.allSettled(workers.map((w) => w.terminate()));
  }
}

/**
 * Starts a pool of `size` workers running the handler described by `setup`.
 * @throws HandlerFailedError when the module cannot be loaded or lacks the export
 */
export async function startWorkerPool(options: WorkerPoolOptions): Promise<FunctionRunner> {
  const pool = new WorkerPool(options);
  await pool.start();
  return pool;
}
