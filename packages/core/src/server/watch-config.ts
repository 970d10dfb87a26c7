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
import { isConfigError } from "../errors.js";

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
 * Reloads `gateway` from `file` whenever the file, or a file the current snapshot was built from (an
 * OpenAPI document and the files its `$ref`s name), changes. A change that fails to parse, validate or
 * compile is logged and changes nothing; fixing the file applies it.
 * @returns a function that stops watching.
 */
export function watchConfig(gateway: Gateway, file: string, options: WatchConfigOptions = {}): () => void {
  const absolute = path.resolve(file);
  const debounceMs = options.debounceMs ?? 150;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const watchers = new Map<string, FSWatcher>();
  // Digests of every watched file, read now, synchronously: a change made right after this call must
  // not be mistaken for the baseline.
  let digests = new Map<string, string | undefined>();
  const watchedFiles = (): string[] => [absolute, ...gateway.snapshot.files.filter((f) => f !== absolute)];

  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(reload, reload);
    }, debounceMs);
  };

  // Directories are watched rather than files, so editors that save by renaming a new file over the old
  // one are followed.
  const follow = (files: readonly string[]): void => {
    const byDir = new Map<string, Set<string>>();
    for (const f of files) {
      const names = byDir.get(path.dirname(f)) ?? new Set<string>();
      names.add(path.basename(f));
      byDir.set(path.dirname(f), names);
    }
    for (const [dir, watcher] of watchers) {
      if (!byDir.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const [dir, names] of byDir) {
      const existing = watchers.get(dir) as (FSWatcher & { names?: Set<string> }) | undefined;
      if (existing) {
        existing.names = names;
        continue;
      }
      let watcher: FSWatcher & { names?: Set<string> };
      try {
        watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name !== null && !watcher.names?.has(name)) return;
          schedule();
        });
      } catch (err) {
        gateway.logger.warn("cannot watch %s: %s", dir, (err as Error).message);
        continue;
      }
      watcher.names = names;
      watcher.on("error", (err) => gateway.logger.warn("watching %s failed: %s", dir, err.message));
      watchers.set(dir, watcher);
    }
  };

  const reload = async (): Promise<void> => {
    if (stopped) return;
    const files = watchedFiles();
    const current = new Map<string, string | undefined>();
    for (const f of files) current.set(f, await digest(f));
    // The configuration file itself mid-rename: the next event will see the new file.
    if (current.get(absolute) === undefined) return;
    if (files.every((f) => current.get(f) === digests.get(f))) return;
    try {
      await gateway.reload(absolute);
      gateway.logger.info("configuration reloaded from %s", absolute);
      options.onReload?.({ ok: true });
    } catch (error) {
      const detail = isConfigError(error) ? error.message : (error as Error).message;
      gateway.logger.error("configuration not reloaded, the previous one keeps serving: %s", detail);
      options.onReload?.({ ok: false, error });
    }
    // Remember the broken content too: only a further change is worth another attempt. A reload may
    // have named other documents: follow those from now on.
    const next = watchedFiles();
    for (const f of next) if (!current.has(f)) current.set(f, await digest(f));
    digests = current;
    if (!stopped) follow(next);
  };

  const initial = watchedFiles();
  for (const f of initial) digests.set(f, digestNow(f));
  follow(initial);

  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
