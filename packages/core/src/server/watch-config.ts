/**
 * Watching the configuration file for hot reload. The directory is watched rather than the file, so
 * editors that save by writing a new file and renaming it over the old one are followed; events are
 * debounced, and a change that leaves the content as it was does nothing.
 */
import { createHash } from "node:crypto";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Gateway } from "./create-gateway.js";
import { ConfigError } from "../errors.js";

/** Options of {@link watchConfig}. */
export interface WatchConfigOptions {
  /** Quiet time (ms) after the last change before reloading. Default 150. */
  debounceMs?: number;
  /** Called after each reload attempt (for tests and logs). */
  onReload?: (result: { ok: true } | { ok: false; error: unknown }) => void;
}

function digestNow(file: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return undefined;
  }
}

async function digest(file: string): Promise<string | undefined> {
  try {
    return createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
  } catch {
    return undefined; // mid-rename: the next event will see the new file
  }
}

/**
 * Reloads `gateway` from `file` whenever the file changes. A change that fails to parse, validate or
 * compile is logged and changes nothing; fixing the file applies it.
 * @returns a function that stops watching.
 */
export function watchConfig(gateway: Gateway, file: string, options: WatchConfigOptions = {}): () => void {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  const base = path.basename(absolute);
  const debounceMs = options.debounceMs ?? 150;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  // Read now, synchronously: a change made right after this call must not be mistaken for the baseline.
  let lastDigest: string | undefined = digestNow(absolute);

  const reload = async (): Promise<void> => {
    const current = await digest(absolute);
    if (current === undefined || current === lastDigest) return;
    try {
      await gateway.reload(absolute);
      lastDigest = current;
      gateway.logger.info("configuration reloaded from %s", absolute);
      options.onReload?.({ ok: true });
    } catch (error) {
      // Remember the broken content too: only a further change is worth another attempt.
      lastDigest = current;
      const detail = error instanceof ConfigError ? error.message : (error as Error).message;
      gateway.logger.error("configuration not reloaded, the previous one keeps serving: %s", detail);
      options.onReload?.({ ok: false, error });
    }
  };

  const watcher: FSWatcher = watch(dir, { persistent: false }, (_event, name) => {
    if (name !== null && name !== base) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(reload, reload);
    }, debounceMs);
  });
  watcher.on("error", (err) => gateway.logger.warn("watching %s failed: %s", absolute, err.message));

  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
