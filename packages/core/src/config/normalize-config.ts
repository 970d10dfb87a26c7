/**
 * Turns a schema-valid document into the one internal shape ({@link GatewayConfig}): Express Gateway's
 * singular/plural keys, string-or-list values and the three forms of a policy entry all end up the same.
 * Checks that span several places (references between sections, URLs) are made here too; every
 * problem is collected, none stops the others from being found.
 */
import path from "node:path";
import type { ConfigProblem } from "../errors.js";
import { DEFAULTS } from "./defaults.js";
import { serviceProxyOptionsSchema } from "../proxy/proxy-schema.js";
import { deprecatedOptionWarnings, joinPath } from "./schema-validator.js";
import type {
  AdminConfig,
  ApiEndpointConfig,
  ConditionConfig,
  ConsumerDeclaration,
  GatewayConfig,
  HttpsConfig,
  ListenerConfig,
  PipelineConfig,
  PluginReference,
  PolicyEntryConfig,
  PolicyStepConfig,
  Deprecation,
  RedisConfig,
  ServerLimits,
  ServiceEndpointConfig,
  TlsFiles,
  TrustProxySetting,
} from "./model.js";

type Raw = Record<string, any>;

const EG_SYSTEM_KEYS = ["db", "crypto", "session", "accessTokens", "refreshTokens", "authorizationCodes", "cliConfig"];
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;
const HTTP_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

function listener(raw: Raw | undefined, fallbackPort: number, fallbackHost: string): ListenerConfig | undefined {
  if (!raw) return undefined;
  return { port: raw.port ?? fallbackPort, host: raw.host ?? raw.hostname ?? fallbackHost };
}

function tlsFiles(raw: Raw, baseDir: string): TlsFiles {
  const files: TlsFiles = { key: path.resolve(baseDir, raw.key), cert: path.resolve(baseDir, raw.cert) };
  if (raw.ca !== undefined) files.ca = list(raw.ca).map((ca) => path.resolve(baseDir, ca));
  if (raw.passphrase !== undefined) files.passphrase = raw.passphrase;
  return files;
}

function https(raw: Raw | undefined, baseDir: string, problems: ConfigProblem[]): HttpsConfig | undefined {
  if (!raw) return undefined;
  const base = listener(raw, 8443, DEFAULTS.host)!;
  const tls = raw.tls as Raw;
  // `tls: {key, cert}` or Express Gateway's `tls: {default: {key, cert}, "*.example.com": {...}}`.
  if (typeof tls.key === "string" || typeof tls.cert === "string") {
    if (typeof tls.key !== "string" || typeof tls.cert !== "string") {
      problems.push({ path: "https.tls", message: "needs both key and cert" });
      return undefined;
    }
    return { ...base, tls: tlsFiles(tls, baseDir), sni: {} };
  }
  const sni: Record<string, TlsFiles> = {};
  let fallback: TlsFiles | undefined;
  for (const [host, files] of Object.entries(tls)) {
    const resolved = tlsFiles(files as Raw, baseDir);
    if (host === "default") fallback = resolved;
    else sni[host.toLowerCase()] = resolved;
  }
  fallback ??= Object.values(sni)[0];
  if (!fallback) {
    problems.push({ path: "https.tls", message: "needs a key and cert" });
    return undefined;
  }
  return { ...base, tls: fallback, sni };
}

function admin(raw: Raw | undefined, baseDir: string): AdminConfig | undefined {
  if (!raw) return undefined;
  const config: AdminConfig = {
    ...listener(raw, 9876, DEFAULTS.adminHost)!,
    dataDir: path.resolve(baseDir, raw.dataDir ?? DEFAULTS.dataDir),
  };
  if (typeof raw.token === "string" && raw.token !== "") config.token = raw.token;
  return config;
}

function redis(raw: Raw | string | undefined, problems: ConfigProblem[]): RedisConfig | undefined {
  if (raw === undefined) return undefined;
  const r: Raw = typeof raw === "string" ? { url: raw } : raw;
  try {
    const url = new URL(r.url);
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new Error("protocol");
  } catch {
    problems.push({ path: typeof raw === "string" ? "redis" : "redis.url", message: "must be a redis:// or rediss:// URL" });
  }
  return {
    url: r.url,
    prefix: r.prefix ?? r.namespace ?? DEFAULTS.redis.prefix,
    commandTimeout: r.commandTimeout ?? DEFAULTS.redis.commandTimeout,
    connectTimeout: r.connectTimeout ?? DEFAULTS.redis.connectTimeout,
  };
}

function plugins(raw: unknown): PluginReference[] {
  if (Array.isArray(raw)) return raw.map((name, i) => ({ name, options: {}, path: joinPath("plugins", i) }));
  if (raw && typeof raw === "object") {
    // Express Gateway's map form: `plugins: { name: { package: "./path", ...options } }`.
    return Object.entries(raw as Raw).map(([key, value]) => {
      const options = { ...(value ?? {}) } as Raw;
      const name = typeof options.package === "string" ? options.package : key;
      delete options.package;
      return { name, options, path: joinPath("plugins", key) };
    });
  }
  return [];
}

const CREDENTIAL_FIELDS: Record<string, { required: string[]; allowed: string[] }> = {
  "key-auth": { required: ["keyId", "keySecret"], allowed: ["keyId", "keySecret"] },
  "basic-auth": { required: ["password"], allowed: ["password"] },
  jwt: { required: ["keyId"], allowed: ["keyId", "keySecret"] },
};

/** Checks declared credentials: known types, the fields each needs, unique usernames and key ids. */
function checkConsumers(declared: ConsumerDeclaration[], problems: ConfigProblem[]): void {
  const usernames = new Set<string>();
  const keyIds = new Set<string>();
  for (const consumer of declared) {
    if (usernames.has(consumer.username))
      problems.push({ path: joinPath(consumer.path, "username"), message: `${JSON.stringify(consumer.username)} is declared twice` });
    usernames.add(consumer.username);
    for (const credential of consumer.credentials) {
      const rule = CREDENTIAL_FIELDS[credential.type];
      if (!rule) {
        problems.push({ path: joinPath(credential.path, "type"), message: `must be one of: ${Object.keys(CREDENTIAL_FIELDS).join(", ")}` });
        continue;
      }
      for (const field of rule.required) {
        if ((credential as unknown as Raw)[field] === undefined)
          problems.push({ path: joinPath(credential.path, field), message: `is required for ${credential.type} credentials` });
      }
      for (const field of ["keyId", "keySecret", "password"]) {
        if ((credential as unknown as Raw)[field] !== undefined && !rule.allowed.includes(field)) {
          problems.push({ path: joinPath(credential.path, field), message: `does not apply to ${credential.type} credentials` });
        }
      }
      if (credential.keyId !== undefined) {
        const key = `${credential.type}:${credential.keyId}`;
        if (keyIds.has(key))
          problems.push({ path: joinPath(credential.path, "keyId"), message: `${JSON.stringify(credential.keyId)} is declared twice` });
        keyIds.add(key);
      }
    }
  }
}

function consumers(raw: Raw[] | undefined): ConsumerDeclaration[] {
  return (raw ?? []).map((c, i) => {
    const { username, credentials = [], ...fields } = c;
    const base = joinPath("consumers", i);
    return {
      username,
      fields,
      path: base,
      credentials: (credentials as Raw[]).map((cred, j) => ({
        ...cred,
        scopes: list(cred.scopes),
        path: joinPath(joinPath(base, "credentials"), j),
      })) as ConsumerDeclaration["credentials"],
    };
  });
}

function apiEndpoints(raw: Raw | undefined, baseDir: string, problems: ConfigProblem[]): Record<string, ApiEndpointConfig[]> {
  const out: Record<string, ApiEndpointConfig[]> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const rules: Raw[] = Array.isArray(value) ? value : [value];
    out[name] = rules.map((rule, i) => {
      const at = Array.isArray(value) ? joinPath(joinPath("apiEndpoints", name), i) : joinPath("apiEndpoints", name);
      const paths = list(rule.paths ?? rule.path);
      for (const [j, p] of paths.entries()) {
        if (!p.startsWith("/")) problems.push({ path: joinPath(joinPath(at, "paths"), j), message: "must start with /" });
      }
      let methods: string[] | undefined = list(rule.methods)
        .flatMap((m) => m.split(","))
        .map((m) => m.trim().toUpperCase())
        .filter((m) => m !== "");
      if (methods.includes("*") || methods.length === 0) methods = undefined;
      for (const m of methods ?? []) {
        if (!HTTP_METHODS.has(m)) problems.push({ path: joinPath(at, "methods"), message: `unknown HTTP method ${JSON.stringify(m)}` });
      }
      for (const key of ["pathRegex", "hostRegex"] as const) {
        if (rule[key] === undefined) continue;
        try {
          new RegExp(rule[key]);
        } catch (err) {
          problems.push({ path: joinPath(at, key), message: `is not a valid regular expression (${(err as Error).message})` });
        }
      }
      if (rule.openapi !== undefined) {
        for (const key of ["paths", "path", "pathRegex", "methods"]) {
          if (rule[key] !== undefined)
            problems.push({
              path: joinPath(at, key),
              message: "cannot be combined with openapi (the document's operations are the routes)",
            });
        }
      } else {
        for (const key of ["basePath", "allowRemoteRefs"]) {
          if (rule[key] !== undefined) problems.push({ path: joinPath(at, key), message: "applies only with openapi" });
        }
      }
      const endpoint: ApiEndpointConfig = {
        name,
        paths: rule.pathRegex || rule.openapi !== undefined ? [] : paths.length > 0 ? paths : ["/*"],
        scopes: ((rule.scopes ?? []) as (string | { scope: string })[]).map((s) => (typeof s === "string" ? s : s.scope)),
        path: at,
      };
      if (rule.host !== undefined && rule.host !== "*") endpoint.host = rule.host;
      if (methods) endpoint.methods = methods;
      if (rule.pathRegex !== undefined) endpoint.pathRegex = rule.pathRegex;
      if (rule.hostRegex !== undefined) endpoint.hostRegex = rule.hostRegex;
      if (rule.version !== undefined) endpoint.version = rule.version;
      if (rule.stripVersion === false) endpoint.stripVersion = false;
      if (rule.sunsetAction !== undefined) endpoint.sunsetAction = rule.sunsetAction;
      const deprecated = deprecation(rule.deprecated, joinPath(at, "deprecated"), problems);
      if (deprecated !== undefined) endpoint.deprecated = deprecated;
      for (const key of ["deprecated", "sunsetAction", "stripVersion"]) {
        if (rule[key] !== undefined && rule.version === undefined)
          problems.push({ path: joinPath(at, key), message: "applies only to an endpoint with a version" });
      }
      if (rule.sunsetAction === "gone" && deprecated?.sunset === undefined) {
        problems.push({
          path: joinPath(at, "sunsetAction"),
          message: "gone needs deprecated.sunset (the date after which 410 is answered)",
        });
      }
      if (rule.openapi !== undefined) {
        endpoint.openapi = { file: path.resolve(baseDir, rule.openapi), allowRemoteRefs: rule.allowRemoteRefs === true };
        if (rule.basePath !== undefined) endpoint.openapi.basePath = rule.basePath;
      }
      return endpoint;
    });
  }
  return out;
}

/** A date (`2027-06-30`, taken as the end of that day in UTC) or a date-time, in epoch milliseconds. */
function parseDate(text: string, endOfDay: boolean): number | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(day ? `${text}T${endOfDay ? "23:59:59" : "00:00:00"}Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
}

function deprecation(raw: Raw | undefined, at: string, problems: ConfigProblem[]): Deprecation | undefined {
  if (raw === undefined) return undefined;
  const out: Deprecation = {};
  for (const key of ["since", "sunset"] as const) {
    if (raw[key] === undefined) continue;
    const ms = parseDate(String(raw[key]), key === "sunset");
    if (ms === undefined) problems.push({ path: joinPath(at, key), message: "must be a date (2027-06-30) or a date-time" });
    else out[key] = ms;
  }
  if (raw.link !== undefined) {
    try {
      new URL(raw.link);
      out.link = raw.link;
    } catch {
      problems.push({ path: joinPath(at, "link"), message: "must be an absolute URL" });
    }
  }
  return out;
}

function serviceEndpoints(raw: Raw | undefined, problems: ConfigProblem[], warnings: string[]): Record<string, ServiceEndpointConfig> {
  const out: Record<string, ServiceEndpointConfig> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const at = joinPath("serviceEndpoints", name);
    if ((value.url === undefined) === (value.urls === undefined)) {
      problems.push({ path: at, message: "needs exactly one of url or urls" });
      continue;
    }
    const entries: { url: string; weight?: number; path: string }[] =
      value.url !== undefined
        ? [{ url: value.url, path: joinPath(at, "url") }]
        : (value.urls as (string | { url: string; weight?: number })[]).map((u, i) =>
            typeof u === "string" ? { url: u, path: joinPath(joinPath(at, "urls"), i) } : { ...u, path: joinPath(joinPath(at, "urls"), i) },
          );
    const targets = [];
    for (const entry of entries) {
      let url: URL;
      try {
        url = new URL(entry.url);
      } catch {
        problems.push({ path: entry.path, message: "must be an absolute http:// or https:// URL" });
        continue;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        problems.push({ path: entry.path, message: "must be an http:// or https:// URL" });
        continue;
      }
      if (url.username || url.password) {
        problems.push({ path: entry.path, message: "must not carry credentials (use a policy to add an Authorization header)" });
        continue;
      }
      if (url.search || url.hash) {
        problems.push({ path: entry.path, message: "must not have a query or fragment" });
        continue;
      }
      targets.push({ url: entry.url, weight: entry.weight ?? 1 });
    }
    const proxyOptions: Record<string, unknown> = value.proxyOptions ?? {};
    warnings.push(...deprecatedOptionWarnings(serviceProxyOptionsSchema, proxyOptions, joinPath(at, "proxyOptions")));
    out[name] = { name, targets, proxyOptions, path: at };
  }
  return out;
}

function isStepList(value: unknown): value is Raw[] {
  return Array.isArray(value);
}

function isSingleStep(value: Raw): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === "action" || k === "condition");
}

function step(raw: Raw | null | undefined, at: string, problems: ConfigProblem[]): PolicyStepConfig {
  const action = raw?.action ?? {};
  if (typeof action !== "object" || Array.isArray(action)) problems.push({ path: joinPath(at, "action"), message: "must be an object" });
  const result: PolicyStepConfig = { action: { ...action }, path: joinPath(at, "action"), conditionPath: joinPath(at, "condition") };
  const condition = raw?.condition;
  if (condition !== undefined && condition !== null) {
    if (typeof condition !== "object" || typeof (condition as Raw).name !== "string") {
      problems.push({ path: joinPath(at, "condition"), message: "must be an object with a name" });
    } else {
      result.condition = condition as ConditionConfig;
    }
  }
  return result;
}

/** Normalises one pipeline entry `{name: value}` in any of its three forms into steps. */
function policyEntry(entry: Raw, at: string, problems: ConfigProblem[]): PolicyEntryConfig {
  const [name, value] = Object.entries(entry)[0]!;
  const base = joinPath(at, name);
  let steps: PolicyStepConfig[];
  if (isStepList(value)) {
    // Express Gateway's form: a list of {condition, action}; an empty list is one unconditional step.
    steps = value.length === 0 ? [step(undefined, joinPath(base, 0), problems)] : value.map((s, i) => step(s, joinPath(base, i), problems));
  } else if (value && typeof value === "object" && isSingleStep(value)) {
    steps = [step(value, base, problems)];
  } else {
    // Short form: the options themselves.
    steps = [{ action: { ...(value ?? {}) }, path: base, conditionPath: joinPath(base, "condition") }];
  }
  return { name, steps, path: base };
}

function pipelines(raw: Raw | Raw[] | undefined, problems: ConfigProblem[]): PipelineConfig[] {
  if (!raw) return [];
  const entries: [string, Raw, string][] = Array.isArray(raw)
    ? raw.map((p, i) => [typeof p.name === "string" ? p.name : String(i), p, joinPath("pipelines", i)])
    : Object.entries(raw).map(([name, p]) => [name, p, joinPath("pipelines", name)]);
  return entries.map(([name, p, at]) => {
    const rawPolicies = p.policies ?? p.policy ?? [];
    const policyList: Raw[] = Array.isArray(rawPolicies) ? rawPolicies : [rawPolicies];
    const policiesAt = joinPath(at, p.policies !== undefined ? "policies" : p.policy !== undefined ? "policy" : "policies");
    const endpoints = list(p.apiEndpoints ?? p.apiEndpoint);
    if (endpoints.length === 0) problems.push({ path: joinPath(at, "apiEndpoints"), message: "must list at least one apiEndpoint" });
    return {
      name,
      apiEndpoints: endpoints,
      policies: policyList.map((entry, i) => policyEntry(entry, joinPath(policiesAt, i), problems)),
      path: at,
    };
  });
}

function trustProxy(raw: unknown): TrustProxySetting {
  if (raw === undefined) return false;
  if (typeof raw === "string")
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return raw as TrustProxySetting;
}

/** Versioning: endpoints' versions need the top-level key, and its default must be one of them. */
function checkVersions(raw: Raw | undefined, config: GatewayConfig, problems: ConfigProblem[]): void {
  const versions = new Set<string>();
  for (const rules of Object.values(config.apiEndpoints)) {
    for (const rule of rules) {
      if (rule.version === undefined) continue;
      versions.add(rule.version);
      if (raw === undefined)
        problems.push({ path: joinPath(rule.path, "version"), message: "needs the top-level versioning key (by: path, header or query)" });
    }
  }
  if (raw === undefined) return;
  const by = (raw.by ?? "path") as "path" | "header" | "query";
  config.versioning = { by, name: raw.name ?? (by === "header" ? "Accept-Version" : "version") };
  if (raw.default !== undefined) {
    config.versioning.default = raw.default;
    if (!versions.has(raw.default)) {
      problems.push({
        path: "versioning.default",
        message: `${JSON.stringify(raw.default)} is not the version of any apiEndpoint (versions: ${[...versions].join(", ") || "none"})`,
      });
    }
  }
}

/**
 * Normalises a schema-valid document. Problems are appended to `problems`; the result is only usable
 * when none were found.
 */
export function normalizeConfig(raw: Raw, baseDir: string, problems: ConfigProblem[], source?: string): GatewayConfig {
  const warnings: string[] = [];
  for (const key of EG_SYSTEM_KEYS) {
    if (raw[key] !== undefined)
      warnings.push(`${key}: Express Gateway setting ignored by Turnpike${key === "db" ? " (use redis: for shared state)" : ""}`);
  }
  const pipelinesAt = raw.pipelines !== undefined ? raw.pipelines : raw.pipeline;
  const server: ServerLimits = { ...DEFAULTS.server, ...(raw.server ?? {}) };
  const config: GatewayConfig = {
    baseDir,
    server,
    trustProxy: trustProxy(raw.trustProxy),
    plugins: plugins(raw.plugins),
    consumers: consumers(raw.consumers),
    apiEndpoints: apiEndpoints(raw.apiEndpoints ?? raw.apiEndpoint, baseDir, problems),
    serviceEndpoints: serviceEndpoints(raw.serviceEndpoints, problems, warnings),
    pipelines: pipelines(pipelinesAt, problems),
    warnings,
  };
  if (source !== undefined) config.source = source;
  const http = listener(raw.http, 8080, DEFAULTS.host);
  if (http) config.http = http;
  const httpsConfig = https(raw.https, baseDir, problems);
  if (httpsConfig) config.https = httpsConfig;
  const adminConfig = admin(raw.admin, baseDir);
  if (adminConfig) {
    config.admin = adminConfig;
    if (!adminConfig.token && !LOOPBACK.test(adminConfig.host)) {
      problems.push({ path: "admin.token", message: `is required when the admin API listens beyond loopback (host ${adminConfig.host})` });
    }
  }
  const redisConfig = redis(raw.redis, problems);
  if (redisConfig) config.redis = redisConfig;
  if (raw.policies !== undefined) config.policies = raw.policies;
  if (raw.docs !== undefined) {
    config.docs = { path: String(raw.docs.path).replace(/\/+$/, ""), listener: raw.docs.listener };
    if (typeof raw.docs.title === "string") config.docs.title = raw.docs.title;
    if (config.docs.listener === "admin" && raw.admin === undefined)
      problems.push({ path: "docs.listener", message: "admin needs the admin: listener" });
  }

  checkConsumers(config.consumers, problems);
  checkVersions(raw.versioning, config, problems);

  // Cross references: every pipeline's apiEndpoints must exist, and an endpoint served twice is a mistake.
  const servedBy = new Map<string, string>();
  for (const pipeline of config.pipelines) {
    for (const [i, endpoint] of pipeline.apiEndpoints.entries()) {
      const at = joinPath(joinPath(pipeline.path, "apiEndpoints"), i);
      if (!config.apiEndpoints[endpoint]) {
        problems.push({ path: at, message: `apiEndpoint ${JSON.stringify(endpoint)} is not defined in apiEndpoints` });
      } else if (servedBy.has(endpoint)) {
        warnings.push(
          `${at}: apiEndpoint ${JSON.stringify(endpoint)} is already handled by pipeline ${JSON.stringify(servedBy.get(endpoint))}; the first pipeline wins`,
        );
      } else {
        servedBy.set(endpoint, pipeline.name);
      }
    }
  }
  return config;
}
