/**
 * `turnpike openapi import`: a starter configuration from an OpenAPI document. The endpoint serves the
 * document, a serviceEndpoint points at its first server, and the pipeline runs the auth policies its
 * security schemes imply, `openapi-validate` and `proxy`.
 */
import type { ApiDescription } from "@turnpike/core";
import { stringify } from "yaml";

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Options of {@link starterConfig}. */
export interface StarterConfigOptions {
  /** The document's path as the configuration names it (relative to the configuration file). */
  documentPath: string;
  /** Port of the gateway's HTTP listener (default 8080). */
  port?: number;
}

/** A starter configuration and what the user should know about it. */
export interface StarterConfig {
  /** The configuration, as YAML. */
  readonly yaml: string;
  /** Things to review: schemes with no Turnpike equivalent, secrets to provide. */
  readonly notes: readonly string[];
}

function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return s === "" ? "api" : s;
}

/** The upstream URL: the first absolute server URL with its variables' defaults, else a placeholder. */
function upstreamUrl(document: Raw): { url: string; guessed: boolean } {
  const servers = Array.isArray(document.servers) ? document.servers : [];
  for (const server of servers) {
    if (!isObject(server) || typeof server.url !== "string") continue;
    const variables = (isObject(server.variables) ? server.variables : {}) as Record<string, { default?: unknown }>;
    const url = server.url.replace(/\{([^}]*)\}/g, (_m, name: string) => String(variables[name]?.default ?? ""));
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") return { url: parsed.origin, guessed: false };
    } catch {
      // A relative server URL names no upstream.
    }
  }
  return { url: "http://127.0.0.1:3000", guessed: true };
}

/** The security schemes the document's requirements use, in order of first use. */
function usedSchemes(api: ApiDescription): string[] {
  const names = new Set<string>();
  for (const operation of api.operations)
    for (const requirement of operation.security) for (const name of Object.keys(requirement)) names.add(name);
  return [...names];
}

/** The Turnpike policy entry for a security scheme, or a note on why there is none. */
function authPolicy(name: string, scheme: unknown): { entry: Raw } | { note: string } {
  if (!isObject(scheme)) return { note: `security scheme ${name} is not defined in components.securitySchemes` };
  const type = String(scheme.type ?? "");
  if (type === "apiKey") {
    const where = String(scheme.in ?? "header");
    const field = String(scheme.name ?? "Authorization");
    if (where === "query") return { entry: { "key-auth": { apiKeyField: field, disableHeaders: true } } };
    if (where === "header") {
      return {
        entry: {
          "key-auth":
            field.toLowerCase() === "authorization" ? {} : { apiKeyHeader: field, disableHeadersScheme: true, disableQueryParam: true },
        },
      };
    }
    return { note: `security scheme ${name}: API keys in a ${where} are not read by key-auth (header or query)` };
  }
  if (type === "http" && String(scheme.scheme).toLowerCase() === "basic") return { entry: { "basic-auth": {} } };
  if ((type === "http" && String(scheme.scheme).toLowerCase() === "bearer") || type === "oauth2" || type === "openIdConnect") {
    return {
      entry: { jwt: { secretOrPublicKey: "${JWT_SECRET:-replace-with-the-key-that-verifies-tokens}", algorithms: ["HS256"] } },
    };
  }
  return { note: `security scheme ${name} (${type}) has no Turnpike policy; add one by hand` };
}

/** Builds a starter configuration for `api`. */
export function starterConfig(api: ApiDescription, options: StarterConfigOptions): StarterConfig {
  const document = api.document as Raw;
  const info = isObject(document.info) ? document.info : {};
  const name = slug(typeof info.title === "string" ? info.title : "api");
  const notes: string[] = [];
  const upstream = upstreamUrl(document);
  if (upstream.guessed) notes.push(`the document names no absolute server URL: set serviceEndpoints.${name}.url`);
  const schemes = isObject(document.components) && isObject(document.components.securitySchemes) ? document.components.securitySchemes : {};
  const policies: Raw[] = [];
  const added = new Set<string>();
  for (const scheme of usedSchemes(api)) {
    const result = authPolicy(scheme, schemes[scheme]);
    if ("note" in result) {
      notes.push(result.note);
      continue;
    }
    const policy = Object.keys(result.entry)[0]!;
    // Each Turnpike auth policy once; alternatives in the document become one policy each, all required.
    if (added.has(policy)) continue;
    if (added.size > 0)
      notes.push(
        `the document offers several security schemes; the pipeline requires every policy listed, so keep the ones your clients use`,
      );
    added.add(policy);
    policies.push(result.entry);
    if (policy === "jwt") notes.push("jwt: set JWT_SECRET (or secretOrPublicKeyFile / jwksUri) to what verifies your tokens");
  }
  policies.push({ "openapi-validate": {} }, { proxy: { serviceEndpoint: name, changeOrigin: true } });
  const config = {
    http: { port: options.port ?? 8080 },
    apiEndpoints: { [name]: { host: "*", openapi: options.documentPath } },
    serviceEndpoints: { [name]: { url: upstream.url } },
    pipelines: { [name]: { apiEndpoints: [name], policies } },
  };
  const header = [
    `# Starter configuration for ${typeof info.title === "string" ? info.title : "the API"} (from ${options.documentPath}),`,
    "# written by `turnpike openapi import`. Check it with `turnpike validate`.",
    ...notes.map((n) => `# - ${n}`),
  ];
  return { yaml: `${header.join("\n")}\n${stringify(config, { lineWidth: 0 })}`, notes };
}
