/**
 * Running a handler in the gateway's own thread (`isolation: inline`): no message passing, but a
 * handler that blocks blocks the gateway, and one that never settles is only abandoned (504) when its
 * timeout passes.
 */
import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { FunctionTimeoutError, HandlerFailedError, type FunctionRunner } from "./function-runner.js";
import type { FunctionResponse, HandlerFormat, Invocation } from "./invocation.js";
import { invokeHandler } from "./invoke-handler.js";
import { loadHandler } from "./load-handler.js";

function failure(err: unknown): HandlerFailedError {
  if (err instanceof Error) return new HandlerFailedError({ name: err.name, message: err.message, stack: err.stack });
  return new HandlerFailedError({ name: "Error", message: String(err), stack: undefined });
}

/**
 * Loads the handler in this thread. The module's URL carries its modification time, so a configuration
 * reload after the file changed imports the new version (its own imports stay as first loaded).
 * @throws HandlerFailedError when the module cannot be loaded or lacks the export
 */
export async function startInlineRunner(file: string, exportName: string, format: HandlerFormat): Promise<FunctionRunner> {
  const url = `${pathToFileURL(file).href}?mtime=${statSync(file).mtimeMs}`;
  const handler = await loadHandler(url, exportName, format).catch((err: unknown) => {
    throw failure(err);
  });
  let running = 0;
  let idle: (() => void) | undefined;
  return {
    run(invocation: Invocation, timeout: number): Promise<FunctionResponse> {
      running += 1;
      return new Promise<FunctionResponse>((resolve, reject) => {
        const timer = setTimeout(() => reject(new FunctionTimeoutError(false)), timeout);
        invokeHandler(handler, invocation)
          .then(resolve, (err: unknown) => reject(failure(err)))
          .finally(() => {
            clearTimeout(timer);
            running -= 1;
            if (running === 0) idle?.();
          });
      });
    },
    async close() {
      if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
  };
}
