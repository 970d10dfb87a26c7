/**
 * Gateways over the test documents, running this package's policies from source.
 */
import { createGateway, silentLogger, type Gateway, type Logger, type PolicyDefinition } from "@turnpike/core";
import path from "node:path";
import { fileURLToPath } from "node:url";
import plugin from "../src/index.js";

/** Directory of the test documents. */
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/** Options of {@link openapiGateway}. */
export interface OpenApiGatewayOptions {
  /** The document, relative to the fixtures directory (or absolute). */
  document: string;
  /** Pipeline steps. */
  policies: unknown[];
  /** Extra endpoint settings (basePath, host). */
  endpoint?: Record<string, unknown>;
  /** Extra top-level configuration. */
  config?: Record<string, unknown>;
  logger?: Logger;
  extraPolicies?: PolicyDefinition<any>[];
}

/** A gateway (not listening: use `gw.app` with supertest) with one OpenAPI endpoint `api`. */
export function openapiGateway(options: OpenApiGatewayOptions): Promise<Gateway> {
  return createGateway({
    logger: options.logger ?? silentLogger,
    baseDir: FIXTURES,
    policies: [...plugin.policies!, ...(options.extraPolicies ?? [])],
    config: {
      ...options.config,
      apiEndpoints: { api: { openapi: options.document, ...options.endpoint } },
      pipelines: { api: { apiEndpoints: ["api"], policies: options.policies } },
    },
  });
}

/** A logger that keeps its lines (`level message`). */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const make = (prefix: string): Logger => ({
    debug: () => undefined,
    info: (m, ...a) => void lines.push(`info ${prefix}${format(m, a)}`),
    warn: (m, ...a) => void lines.push(`warn ${prefix}${format(m, a)}`),
    error: (m, ...a) => void lines.push(`error ${prefix}${format(m, a)}`),
    child: (name) => make(`${prefix}${name}: `),
  });
  return Object.assign(make(""), { lines });
}

function format(message: string, args: unknown[]): string {
  let i = 0;
  return message.replace(/%[sdj]/g, () => String(args[i++]));
}
