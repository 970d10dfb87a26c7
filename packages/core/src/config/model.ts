import type { ApiDescription } from "../openapi/api-description.js";

/**
 * The normalised configuration: the one shape the rest of the code reads. `loadConfig` turns every form
 * the file may use (Express Gateway's singular/plural keys, step lists, short forms) into this.
 */

/** Where a listener binds. */
export interface ListenerConfig {
  port: number;
  host: string;
}

/** One certificate pair, file paths already resolved against the config file's directory. */
export interface TlsFiles {
  key: string;
  cert: string;
  ca?: string[];
  passphrase?: string;
}

/** The HTTPS listener: one default certificate and optional per-hostname ones (SNI, Express Gateway's map). */
export interface HttpsConfig extends ListenerConfig {
  tls: TlsFiles;
  sni: Record<string, TlsFiles>;
}

/** The admin API listener. */
export interface AdminConfig extends ListenerConfig {
  token?: string;
  /** Where admin-written data lives (absolute). */
  dataDir: string;
}

/** Limits applied to every listener; the defaults are in `config/defaults.ts`. */
export interface ServerLimits {
  maxHeaderSize: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  shutdownTimeout: number;
}

/** Shared state for several instances. */
export interface RedisConfig {
  url: string;
  /** Prepended to every key Turnpike writes. */
  prefix: string;
  /** Bound on every command, in ms: a request never waits longer on Redis. */
  commandTimeout: number;
  /** Bound on connecting, in ms. */
  connectTimeout: number;
}

/** A credential declared in `consumers:`. */
export interface CredentialDeclaration {
  type: string;
  keyId?: string;
  keySecret?: string;
  password?: string;
  scopes: string[];
  /** Config path, for messages. */
  path: string;
}

/** A consumer declared in `consumers:` (read-only through the admin API). */
export interface ConsumerDeclaration {
  username: string;
  /** Extra profile fields (firstname, email, ...). */
  fields: Record<string, unknown>;
  credentials: CredentialDeclaration[];
  path: string;
}

/** One host/paths/methods rule of an apiEndpoint (an endpoint may have several, as in Express Gateway). */
export interface ApiEndpointConfig {
  /** The apiEndpoint's name. */
  name: string;
  /** `undefined` or `*` matches any host. */
  host?: string;
  /** Regular expression matched against the host instead of `host` (Express Gateway's `hostRegex`). */
  hostRegex?: string;
  /** Express-style paths (`/users`, `/users/*`, `/users/:id`); `["/*"]` when none were given. */
  paths: string[];
  /** Regular expression matched against the canonical path instead of `paths` (Express Gateway). */
  pathRegex?: string;
  /** Upper-case methods, or `undefined` for any method. */
  methods?: string[];
  /** Scopes a credential must all hold. */
  scopes: string[];
  /** An endpoint defined by an OpenAPI document: every operation is one of its routes (`paths` is empty). */
  openapi?: OpenApiSource;
  /** The loaded document of an `openapi` endpoint (set when the configuration is compiled). */
  api?: ApiDescription;
  /** The API version this endpoint serves (with top-level `versioning`). */
  version?: string;
  /** With versioning by path: remove the `/v1` prefix before forwarding (absent: true). */
  stripVersion?: boolean;
  /** A deprecated version: announced with `Deprecation`, `Sunset` and `Link` headers. */
  deprecated?: Deprecation;
  /** After the sunset date: `warn` (keep serving, with the headers; absent: warn) or `gone` (410). */
  sunsetAction?: "warn" | "gone";
  path: string;
}

/** When a version was deprecated and is retired (epoch milliseconds), and where to read about it. */
export interface Deprecation {
  since?: number;
  sunset?: number;
  link?: string;
}

/** How requests name the API version (the top-level `versioning:` key). */
export interface VersioningConfig {
  /** Where the version is: a path prefix (`/v1/...`), a header or a query parameter. */
  by: "path" | "header" | "query";
  /** The header or query parameter (default `Accept-Version` / `version`). */
  name: string;
  /** The version of requests that name none; without it they get 400. */
  default?: string;
}

/** Where an apiEndpoint's OpenAPI document is and how to read it. */
export interface OpenApiSource {
  /** Absolute path of the document. */
  file: string;
  /** The path operations are served under, when given (else the document's first server path, else `/`). */
  basePath?: string;
  /** Follow `$ref`s to http(s) URLs. */
  allowRemoteRefs: boolean;
}

/** One upstream URL of a serviceEndpoint. */
export interface UpstreamTarget {
  url: string;
  /** Relative share for weighted balancing (default 1). */
  weight: number;
}

/** A serviceEndpoint. */
export interface ServiceEndpointConfig {
  name: string;
  targets: UpstreamTarget[];
  /** Proxy options given on the endpoint (Express Gateway's `proxyOptions`); they override the policy's. */
  proxyOptions: Record<string, unknown>;
  path: string;
}

/** A condition as written: `{ name, ...options }`. */
export interface ConditionConfig {
  name: string;
  [option: string]: unknown;
}

/** One `{condition?, action}` step of a policy entry. */
export interface PolicyStepConfig {
  condition?: ConditionConfig;
  action: Record<string, unknown>;
  /** Config path of the action's options (e.g. `pipelines.api.policies[1].rate-limit[0].action`). */
  path: string;
  /** Config path of the condition. */
  conditionPath: string;
}

/** One entry of a pipeline's `policies:` list. */
export interface PolicyEntryConfig {
  name: string;
  steps: PolicyStepConfig[];
  path: string;
}

/** A pipeline. */
export interface PipelineConfig {
  name: string;
  apiEndpoints: string[];
  policies: PolicyEntryConfig[];
  path: string;
}

/** A plugin to load: an npm package name or a path relative to the config file. */
export interface PluginReference {
  name: string;
  /** Options given in Express Gateway's map form (`plugins: {name: {package, ...}}`). */
  options: Record<string, unknown>;
  path: string;
}

/**
 * Which peers may set forwarding headers: `false` (trust no one, the default), `true` (trust every hop),
 * a number of hops, or addresses/CIDR ranges and the keywords `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxySetting = boolean | number | string[];

/** Where Swagger UI and the gateway's OpenAPI document are served (the top-level `docs:` key). */
export interface DocsConfig {
  /** Path, e.g. `/docs` (the document at `/docs/openapi.json`). */
  path: string;
  /** `gateway` (the http/https listeners) or `admin` (the admin listener, behind its token). */
  listener: "gateway" | "admin";
  /** Title of the page and the document. */
  title?: string;
}

/** A complete, normalised gateway configuration. */
export interface GatewayConfig {
  /** Absolute path of the file it came from, if any. */
  source?: string;
  /** Directory relative paths (plugins, TLS files, data) resolve from. */
  baseDir: string;
  http?: ListenerConfig;
  https?: HttpsConfig;
  admin?: AdminConfig;
  server: ServerLimits;
  trustProxy: TrustProxySetting;
  plugins: PluginReference[];
  redis?: RedisConfig;
  consumers: ConsumerDeclaration[];
  apiEndpoints: Record<string, ApiEndpointConfig[]>;
  serviceEndpoints: Record<string, ServiceEndpointConfig>;
  /** Express Gateway's allow-list of policy names, when given. */
  policies?: string[];
  /** Swagger UI and the OpenAPI document of the gateway, when configured. */
  docs?: DocsConfig;
  /** How requests name API versions, when endpoints declare them. */
  versioning?: VersioningConfig;
  pipelines: PipelineConfig[];
  /** Load-time warnings (ignored Express Gateway options and keys). */
  warnings: string[];
}
