/**
 * What runs a handler for the `function` policy, whichever the isolation, and how it fails.
 */
import type { FunctionResponse, HandlerFailure, Invocation } from "./invocation.js";

/** Runs invocations of one handler. */
export interface FunctionRunner {
  /**
   * Runs `invocation` within `timeout`.
   * @throws FunctionTimeoutError when the handler (or the wait for a free worker) takes longer
   * @throws HandlerFailedError when the handler throws, crashes its worker or answers something invalid
   */
  run(invocation: Invocation, timeout: number): Promise<FunctionResponse>;
  /** Lets running invocations finish, then releases the runner (workers stop). */
  close(): Promise<void>;
}

/** The handler did not answer in time. */
export class FunctionTimeoutError extends Error {
  constructor(readonly waitedForWorker: boolean) {
    super(waitedForWorker ? "no worker was free within the timeout" : "the handler did not answer within the timeout");
    this.name = "FunctionTimeoutError";
  }
}

/** The handler failed; `failure` carries its error (with the stack, for the log only). */
export class HandlerFailedError extends Error {
  constructor(readonly failure: HandlerFailure) {
    super(`${failure.name}: ${failure.message}`);
    this.name = "HandlerFailedError";
  }
}
