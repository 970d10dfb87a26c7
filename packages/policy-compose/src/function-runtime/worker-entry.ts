/**
 * A worker thread of the function pool: loads the handler once, then answers one invocation at a time.
 * Its messages: `ready` or `load-error` first, then `result` or `failure` per invocation.
 */
import { parentPort, workerData } from "node:worker_threads";
import { invokeHandler } from "./invoke-handler.js";
import type { HandlerFailure, Invocation } from "./invocation.js";
import { loadHandler, type Handler } from "./load-handler.js";
import type { WorkerSetup, WorkerRequest } from "./worker-messages.js";

function describe(err: unknown): HandlerFailure {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: "Error", message: String(err), stack: undefined };
}

const port = parentPort!;
const setup = workerData as WorkerSetup;
let handler: Handler;
try {
  handler = await loadHandler(setup.moduleUrl, setup.exportName, setup.format);
  port.postMessage({ type: "ready" });
} catch (err) {
  port.postMessage({ type: "load-error", failure: describe(err) });
}

port.on("message", (message: WorkerRequest) => {
  const invocation: Invocation = message.invocation;
  invokeHandler(handler, invocation).then(
    (response) => port.postMessage({ type: "result", id: message.id, response }),
    (err: unknown) => port.postMessage({ type: "failure", id: message.id, failure: describe(err) }),
  );
});
