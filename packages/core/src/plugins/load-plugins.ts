/**
 * Resolving plugins by name and checking what they export. A plugin that cannot load stops start-up
 * with a message naming it: a gateway that silently runs without a policy it was told to use would
 * forward requests the operator meant to stop.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import semver from "semver";
import { ConfigError } from "../errors.js";
import { isConditionDefinition, isPluginDefinition, isPolicyDefinition, type PluginDefinition } from "../pipeline/define.js";
import { CORE_VERSION } from "./core-version.js";

/** First-party policies, available without a `plugins:` entry when their package is installed. */
export const FIRST_PARTY_POLICIES: Readonly<Record<string, string>> = {
  "key-auth": "@turnpike/policy-auth",
  "basic-auth": "@turnpike/policy-auth",
  jwt: "@turnpike/policy-auth",
  "rate-limit": "@turnpike/policy-throttle",
  quota: "@turnpike/policy-throttle",
  "concurrency-limit": "@turnpike/policy-throttle",
  cache: "@turnpike/policy-cache",
  "openapi-validate": "@turnpike/openapi",
  mock: "@turnpike/openapi",
  "openapi-docs": "@turnpike/openapi",
  aggregate: "@turnpike/policy-compose",
  function: "@turnpike/policy-compose",
};

function isRelative(name: string): boolean {
  return name.startsWith("./") || name.startsWith("../") || name === "." || name === ".." || path.isAbsolute(name);
}

/**
 * Resolves a plugin name to a file: a path relative to `baseDir`, or a package resolved from `baseDir`
 * (Node resolution), then from Turnpike's own installation.
 * @returns the absolute file, or undefined when it cannot be found.
 */
export function resolvePlugin(name: string, baseDir: string): string | undefined {
  const attempts = isRelative(name) ? [path.resolve(baseDir, name)] : [name];
  const bases = isRelative(name) ? [baseDir] : [baseDir, path.dirname(fileURLToPath(import.meta.url))];
  for (const base of bases) {
    const require = createRequire(path.join(base, "noop.js"));
    for (const attempt of attempts) {
      try {
        return require.resolve(attempt);
      } catch {
        // A directory holding an ESM index without package.json: resolve it by hand.
        if (isRelative(name) && existsSync(attempt) && statSync(attempt).isDirectory()) {
          for (const index of ["index.js", "index.mjs"]) {
            if (existsSync(path.join(attempt, index))) return path.join(attempt, index);
          }
        }
      }
    }
  }
  return undefined;
}

/**
 * Loads and checks a plugin.
 * @param configPath where the plugin was named in the config, for messages
 * @throws ConfigError naming the plugin when it cannot be found, fails to load, or exports the wrong shape.
 */
export async function loadPlugin(name: string, baseDir: string, configPath: string): Promise<PluginDefinition> {
  const file = resolvePlugin(name, baseDir);
  if (!file) {
    throw new ConfigError([
      { path: configPath, message: `plugin ${JSON.stringify(name)} cannot be found from ${baseDir} (is it installed?)` },
    ]);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw new ConfigError([{ path: configPath, message: `plugin ${JSON.stringify(name)} failed to load: ${(err as Error).message}` }]);
  }
  const plugin = module.default;
  if (!isPluginDefinition(plugin)) {
    throw new ConfigError([
      { path: configPath, message: `plugin ${JSON.stringify(name)} must export a definePlugin(...) result as its default export` },
    ]);
  }
  // As Fastify checks a plugin's `fastify` range: a plugin built for another Turnpike is refused by
  // name and version here, not left to fail on the first request.
  if (plugin.turnpike !== undefined && !semver.satisfies(CORE_VERSION, plugin.turnpike, { includePrerelease: true })) {
    throw new ConfigError([
      {
        path: configPath,
        message: `plugin ${JSON.stringify(name)} works with Turnpike ${plugin.turnpike}, but this is Turnpike ${CORE_VERSION}: install a version of the plugin made for it`,
      },
    ]);
  }
  const problems = [];
  for (const [i, policy] of (plugin.policies ?? []).entries()) {
    if (!isPolicyDefinition(policy))
      problems.push({ path: configPath, message: `plugin ${JSON.stringify(name)}: policies[${i}] is not a definePolicy(...) result` });
  }
  for (const [i, condition] of (plugin.conditions ?? []).entries()) {
    if (!isConditionDefinition(condition))
      problems.push({ path: configPath, message: `plugin ${JSON.stringify(name)}: conditions[${i}] is not a defineCondition(...) result` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return plugin;
}
