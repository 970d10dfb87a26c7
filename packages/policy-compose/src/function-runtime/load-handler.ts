/**
 * Loading a handler from its module, the same way in a worker thread and in the gateway's thread.
 */
import type { HandlerFormat } from "./invocation.js";

/** A loaded handler, ready to call. */
export type Handler = (...args: unknown[]) => unknown;

/**
 * Imports `moduleUrl` and finds `exportName`: a named export, a property of a CommonJS module's
 * `module.exports`, or (fetch format) an object with a `fetch` method, bound to it.
 * @throws Error saying what is missing.
 */
export async function loadHandler(moduleUrl: string, exportName: string, format: HandlerFormat): Promise<Handler> {
  const module = (await import(moduleUrl)) as Record<string, unknown>;
  let value = module[exportName];
  // CommonJS modules arrive as `default` (module.exports) plus whatever names Node could detect.
  if (value === undefined && module.default !== null && typeof module.default === "object") {
    value = (module.default as Record<string, unknown>)[exportName];
  }
  if (typeof value === "function") return value as Handler;
  if (format === "fetch" && value !== null && typeof value === "object") {
    const fetch = (value as { fetch?: unknown }).fetch;
    if (typeof fetch === "function") return (fetch as Handler).bind(value);
  }
  const what = format === "fetch" ? "a function or an object with a fetch method" : "a function";
  throw new Error(
    `the module has no export ${JSON.stringify(exportName)} that is ${what} (exports: ${Object.keys(module).join(", ") || "none"})`,
  );
}
