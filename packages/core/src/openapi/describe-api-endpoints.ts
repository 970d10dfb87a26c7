/**
 * Loading the OpenAPI documents of a configuration's `openapi` apiEndpoints, once per compile (so a
 * reload reads edited documents), and checking what spans endpoints: two documents served under the
 * same base path on the same host would shadow each other's operations.
 */
import path from "node:path";
import type { ApiEndpointConfig, GatewayConfig } from "../config/model.js";
import { joinPath } from "../config/schema-validator.js";
import type { ConfigProblem } from "../errors.js";
import { loadApiDescription, type LoadApiDescriptionOptions, type LoadedApiDescription } from "./load-api-description.js";

/** Result of {@link describeApiEndpoints}. */
export interface DescribedEndpoints {
  /** The endpoints, `openapi` ones carrying their loaded `api`. */
  readonly apiEndpoints: Record<string, ApiEndpointConfig[]>;
  /** Every document file read (for watching). */
  readonly files: readonly string[];
}

function display(file: string, baseDir: string): string {
  const relative = path.relative(baseDir, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/**
 * Loads every `openapi` apiEndpoint's document. Problems are appended to `problems`, each at the
 * endpoint's `openapi` key with the document file and JSON pointer in the message.
 */
export async function describeApiEndpoints(config: GatewayConfig, problems: ConfigProblem[]): Promise<DescribedEndpoints> {
  const loads = new Map<string, Promise<LoadedApiDescription>>();
  const files = new Set<string>();
  const apiEndpoints: Record<string, ApiEndpointConfig[]> = {};
  const served: { endpoint: ApiEndpointConfig; basePath: string }[] = [];
  for (const [name, rules] of Object.entries(config.apiEndpoints)) {
    apiEndpoints[name] = [];
    for (const rule of rules) {
      const source = rule.openapi;
      if (source === undefined) {
        apiEndpoints[name].push(rule);
        continue;
      }
      const options: LoadApiDescriptionOptions = { allowRemoteRefs: source.allowRemoteRefs };
      if (source.basePath !== undefined) options.basePath = source.basePath;
      // Two endpoints may serve one document (different hosts): read and describe it once.
      const key = JSON.stringify([source.file, options]);
      let load = loads.get(key);
      if (load === undefined) {
        load = loadApiDescription(source.file, options);
        loads.set(key, load);
      }
      const loaded = await load;
      for (const file of loaded.files) files.add(file);
      const at = joinPath(rule.path, "openapi");
      if (loaded.description === undefined) {
        for (const problem of loaded.problems) {
          problems.push({
            path: at,
            message: `${display(problem.file ?? source.file, config.baseDir)}#${problem.pointer}: ${problem.message}`,
          });
        }
        continue;
      }
      const endpoint: ApiEndpointConfig = { ...rule, api: loaded.description };
      apiEndpoints[name].push(endpoint);
      // Different versions of an API may share a base path: the version tells them apart.
      const clash = served.find(
        (s) => s.basePath === loaded.description.basePath && s.endpoint.version === endpoint.version && sameHost(s.endpoint, endpoint),
      );
      if (clash) {
        problems.push({
          path: at,
          message: `base path ${loaded.description.basePath} is already served by ${clash.endpoint.path} on the same host${endpoint.version === undefined ? "" : ` and version`}; give one of them another basePath, host or version`,
        });
      } else served.push({ endpoint, basePath: loaded.description.basePath });
    }
  }
  return { apiEndpoints, files: [...files] };
}

function sameHost(a: ApiEndpointConfig, b: ApiEndpointConfig): boolean {
  if (a.hostRegex !== undefined || b.hostRegex !== undefined) return a.hostRegex === b.hostRegex;
  const hostA = a.host?.toLowerCase() ?? "*";
  const hostB = b.host?.toLowerCase() ?? "*";
  return hostA === hostB || hostA === "*" || hostB === "*";
}
