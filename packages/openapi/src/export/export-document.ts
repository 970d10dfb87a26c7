/**
 * The OpenAPI 3.1 document of what a gateway exposes: every OpenAPI-defined endpoint's operations under
 * their base path, plain endpoints as path items, security schemes derived from the auth policies of
 * each pipeline, and the server URLs of the `http`/`https` listeners. `turnpike openapi export`, the
 * `docs` route and `turnpike sdk` all start from it.
 */
import { convertDocument } from "../schemas/convert-document.js";
import { escapeToken, pointerTokens, toPointer, type ApiEndpointConfig, type GatewayConfig, type PolicyEntryConfig } from "@turnpike/core";

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/;
const PLAIN_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** Security schemes for Turnpike's auth policies, by policy name. */
function securityScheme(entry: PolicyEntryConfig): Raw | undefined {
  const options = entry.steps[0]?.action ?? {};
  switch (entry.name) {
    case "key-auth": {
      const header = typeof options.apiKeyHeader === "string" ? options.apiKeyHeader : "Authorization";
      const scheme = typeof options.apiKeyHeaderScheme === "string" ? options.apiKeyHeaderScheme : "apiKey";
      if (options.disableHeaders === true) {
        return {
          type: "apiKey",
          in: "query",
          name: typeof options.apiKeyField === "string" ? options.apiKeyField : "apiKey",
          description: "`<keyId>:<keySecret>`",
        };
      }
      return {
        type: "apiKey",
        in: "header",
        name: header,
        description: options.disableHeadersScheme === true ? "`<keyId>:<keySecret>`" : `\`${scheme} <keyId>:<keySecret>\``,
      };
    }
    case "basic-auth":
      return { type: "http", scheme: "basic" };
    case "jwt":
      return { type: "http", scheme: "bearer", bearerFormat: "JWT" };
    default:
      return undefined;
  }
}

/** `/users/:id` → `/users/{id}`; a wildcard becomes a `{path}` parameter. */
function plainTemplate(path: string): { template: string; params: string[] } {
  const params: string[] = [];
  let wildcard = 0;
  const template = path
    .replace(/\/:([A-Za-z_][A-Za-z0-9_]*)\??/g, (_m, name: string) => {
      params.push(name);
      return `/{${name}}`;
    })
    .replace(/\*/g, () => {
      const name = wildcard++ === 0 ? "path" : `path${wildcard}`;
      params.push(name);
      return `{${name}}`;
    });
  return { template: template === "" ? "/" : template, params };
}

interface ExportContext {
  readonly paths: Raw;
  readonly components: Record<string, Raw>;
  readonly tags: Map<string, Raw>;
}

/** Copies `node`, rewriting its internal `$ref`s with `rewrite`. */
function copyRewriting(node: unknown, rewrite: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => copyRewriting(n, rewrite));
  if (!isObject(node)) return node;
  const out: Raw = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === "$ref" && typeof value === "string" && value.startsWith("#") ? rewrite(value) : copyRewriting(value, rewrite);
  }
  return out;
}

function addDocumentEndpoint(
  endpoint: ApiEndpointConfig,
  prefix: string,
  versionPrefix: string,
  requirement: Raw[] | undefined,
  context: ExportContext,
): void {
  const api = endpoint.api!;
  // A 3.0 document's schemas are rewritten in the 3.1 dialect (`nullable` → a `null` type...).
  const document = api.dialect === "3.0" ? convertDocument(api.document, "3.0", "document") : (api.document as Raw);
  const routes = new Map(api.operations.map((o) => [o.template, `${versionPrefix}${o.route}`]));
  // Components of a second document are renamed with the endpoint's name when their names clash.
  const renames = new Map<string, string>();
  const components = isObject(document.components) ? document.components : {};
  for (const [kind, entries] of Object.entries(components)) {
    if (!isObject(entries)) continue;
    const target = (context.components[kind] ??= {});
    for (const name of Object.keys(entries)) {
      let exported = name;
      if (target[name] !== undefined) exported = `${prefix}${name}`.replace(/[^a-zA-Z0-9._-]/g, "_");
      renames.set(`${kind}/${name}`, exported);
    }
  }
  const rewrite = (ref: string): string => {
    const tokens = pointerTokens(decodeURIComponent(ref.slice(1)));
    if (tokens[0] === "components" && tokens.length >= 3) {
      const renamed = renames.get(`${tokens[1]}/${tokens[2]}`);
      if (renamed !== undefined) tokens[2] = renamed;
    } else if (tokens[0] === "paths" && tokens[1] !== undefined) {
      tokens[1] = routes.get(tokens[1]) ?? tokens[1];
    }
    return `#${toPointer(tokens)}`;
  };
  for (const [kind, entries] of Object.entries(components)) {
    if (!isObject(entries)) continue;
    for (const [name, value] of Object.entries(entries)) {
      const exported = renames.get(`${kind}/${name}`)!;
      if (COMPONENT_NAME.test(exported)) context.components[kind]![exported] = copyRewriting(value, rewrite) as Raw;
    }
  }
  const documentPaths = isObject(document.paths) ? document.paths : {};
  for (const [template, item] of Object.entries(documentPaths)) {
    if (template.startsWith("x-") || !isObject(item)) continue;
    const route = routes.get(template) ?? template;
    // Two versions of one document under header or query versioning share their paths: the first is published.
    if (context.paths[route] !== undefined) continue;
    const copy = copyRewriting(item, rewrite) as Raw;
    if (requirement !== undefined) {
      for (const method of PLAIN_METHODS.concat("trace")) {
        const operation = copy[method];
        if (isObject(operation)) operation.security = requirement;
      }
    }
    context.paths[route] = copy;
  }
  if (Array.isArray(document.tags))
    for (const tag of document.tags) if (isObject(tag) && typeof tag.name === "string") context.tags.set(tag.name, tag);
}

function addPlainEndpoint(
  endpoint: ApiEndpointConfig,
  versionPrefix: string,
  requirement: Raw[] | undefined,
  context: ExportContext,
): void {
  for (const path of endpoint.paths) {
    const plain = plainTemplate(path);
    const template = `${versionPrefix}${plain.template}`;
    const params = plain.params;
    const item = (isObject(context.paths[template]) ? context.paths[template] : (context.paths[template] = {})) as Raw;
    const methods = endpoint.methods?.map((m) => m.toLowerCase()).filter((m) => PLAIN_METHODS.includes(m)) ?? [
      "get",
      "post",
      "put",
      "patch",
      "delete",
    ];
    for (const method of methods) {
      item[method] ??= {
        summary: `${method.toUpperCase()} ${path} (apiEndpoint ${endpoint.name})`,
        ...(params.length > 0
          ? { parameters: params.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })) }
          : {}),
        ...(requirement !== undefined ? { security: requirement } : {}),
        responses: { default: { description: "The upstream service's response" } },
      };
    }
  }
}

/** Server URLs of the listeners (an any-address bind is shown as `localhost`). */
function servers(config: GatewayConfig): Raw[] {
  const out: Raw[] = [];
  const host = (h: string): string => (h === "0.0.0.0" || h === "::" ? "localhost" : h.includes(":") ? `[${h}]` : h);
  if (config.https) out.push({ url: `https://${host(config.https.host)}:${config.https.port}` });
  if (config.http) out.push({ url: `http://${host(config.http.host)}:${config.http.port}` });
  return out;
}

/** Options of {@link exportDocument}. */
export interface ExportOptions {
  /** `info.title`; default: the only document's title, else `Turnpike gateway`. */
  title?: string;
}

/**
 * The OpenAPI 3.1 document of what `config` exposes. `config` must be compiled (or its endpoints
 * described with `describeApiEndpoints`), so OpenAPI endpoints carry their documents.
 */
export function exportDocument(config: GatewayConfig, options: ExportOptions = {}): Raw {
  const context: ExportContext = { paths: {}, components: {}, tags: new Map() };
  const schemes: Raw = {};
  const exported = new Set<string>();
  const documentTitles: string[] = [];
  for (const pipeline of config.pipelines) {
    const auth = pipeline.policies.flatMap((entry) => {
      const scheme = securityScheme(entry);
      return scheme === undefined ? [] : [{ name: entry.name, scheme }];
    });
    for (const { name, scheme } of auth) schemes[name] ??= scheme;
    for (const name of pipeline.apiEndpoints) {
      // The first pipeline that lists an endpoint serves it.
      if (exported.has(name)) continue;
      exported.add(name);
      for (const endpoint of config.apiEndpoints[name] ?? []) {
        // Every auth policy of the pipeline runs: one requirement naming them all, with the endpoint's scopes.
        const requirement = auth.length === 0 ? undefined : [Object.fromEntries(auth.map((a) => [a.name, endpoint.scopes]))];
        // Versions by path are part of the published paths (`/v1/pets`).
        const versionPrefix = config.versioning?.by === "path" && endpoint.version !== undefined ? `/${endpoint.version}` : "";
        if (endpoint.api !== undefined) {
          const title = (endpoint.api.document.info as Raw | undefined)?.title;
          if (typeof title === "string") documentTitles.push(title);
          addDocumentEndpoint(endpoint, `${escapeToken(endpoint.name)}_`, versionPrefix, requirement, context);
        } else if (endpoint.pathRegex === undefined) addPlainEndpoint(endpoint, versionPrefix, requirement, context);
      }
    }
  }
  if (Object.keys(schemes).length > 0) context.components.securitySchemes = { ...context.components.securitySchemes, ...schemes };
  const document: Raw = {
    openapi: "3.1.0",
    info: { title: options.title ?? (documentTitles.length === 1 ? documentTitles[0] : "Turnpike gateway"), version: "1" },
  };
  const urls = servers(config);
  if (urls.length > 0) document.servers = urls;
  if (context.tags.size > 0) document.tags = [...context.tags.values()];
  document.paths = context.paths;
  if (Object.keys(context.components).length > 0) document.components = context.components;
  return document;
}
