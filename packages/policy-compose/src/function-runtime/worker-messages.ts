/**
 * The messages between the pool and its worker threads.
 */
import type { FunctionResponse, HandlerFailure, HandlerFormat, Invocation } from "./invocation.js";

/** `workerData` of a pool worker. */
export interface WorkerSetup {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly format: HandlerFormat;
}

/** Pool → worker: run one invocation. */
export interface WorkerRequest {
  readonly id: number;
  readonly invocation: Invocation;
}

/** Worker → pool. */
export type WorkerReply =
  | { readonly type: "ready" }
  | { readonly type: "load-error"; readonly failure: HandlerFailure }
  | { readonly type: "result"; readonly id: number; readonly response: FunctionResponse }
  | { readonly type: "failure"; readonly id: number; readonly failure: HandlerFailure };
