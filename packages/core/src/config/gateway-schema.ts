/**
 * JSON Schema of the configuration file, as written (Express Gateway's spellings included). Policy and
 * condition options are validated separately, against each policy's own schema, once plugins are loaded.
 * Every property has a description: `docs/configuration.md` is generated from this schema.
 */
import type { JsonSchema } from "../pipeline/define.js";
import { serviceProxyOptionsSchema, upstreamListSchema } from "../proxy/proxy-schema.js";
import { DEFAULTS } from "./defaults.js";

const port = { type: "integer", minimum: 0, maximum: 65535, description: "TCP port; 0 picks a free one." };
const stringOrList = { type: ["string", "array"], items: { type: "string" } };
const tlsFiles = {
  type: "object",
  additionalProperties: false,
  properties: {
    key: { type: "string", minLength: 1, description: "Path of the PEM private key (relative to the config file)." },
    cert: { type: "string", minLength: 1, description: "Path of the PEM certificate chain." },
    ca: { ...stringOrList, description: "Paths of extra CA certificates." },
    passphrase: { type: "string", description: "Passphrase of the private key." },
  },
  required: ["key", "cert"],
};

const apiEndpointRule = {
  type: "object",
  additionalProperties: false,
  properties: {
    host: {
      type: "string",
      description: "Host to match: exact, `*.example.com` (one more label) or `*` (any). Case-insensitive; the port is ignored.",
    },
    hostRegex: { type: "string", minLength: 1, description: "Regular expression matched against the host (Express Gateway)." },
    path: { ...stringOrList, description: "Alias of `paths` (Express Gateway)." },
    paths: {
      ...stringOrList,
      description: "Paths to match: exact (`/users`), wildcard (`/users/*`) or with parameters (`/users/:id`). Default: every path.",
    },
    pathRegex: { type: "string", minLength: 1, description: "Regular expression matched against the canonical path (Express Gateway)." },
    methods: { ...stringOrList, description: "HTTP methods to match (list, or comma-separated string). Default: every method." },
    scopes: {
      type: "array",
      items: { anyOf: [{ type: "string" }, { type: "object", properties: { scope: { type: "string" } }, required: ["scope"] }] },
      description: "Scopes a consumer's credential must all hold (403 otherwise).",
    },
    openapi: {
      type: "string",
      minLength: 1,
      description:
        "An OpenAPI 3.0 or 3.1 document (JSON or YAML, relative to this file) defining the endpoint: each of its operations is a route. Replaces `paths`, `pathRegex` and `methods`.",
    },
    basePath: {
      type: "string",
      pattern: "^/",
      description:
        "With `openapi`: the path its operations are served under. Default: the path of the document's first `servers` URL, else `/`.",
    },
    version: {
      type: "string",
      pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$",
      description: "The API version this endpoint serves (needs the top-level `versioning`), e.g. `v1`.",
    },
    stripVersion: {
      type: "boolean",
      description: "With `versioning.by: path`: remove the version prefix (`/v1`) before forwarding. Default true.",
    },
    deprecated: {
      type: "object",
      additionalProperties: false,
      description:
        'This version is deprecated: responses carry `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a `Link` with `rel="deprecation"`.',
      properties: {
        since: {
          type: "string",
          description: "When it was deprecated (a date such as `2026-12-01`, or a date-time). Default: already (sent as the epoch).",
        },
        sunset: { type: "string", description: "When it is retired (a date such as `2027-06-30`, or a date-time)." },
        link: { type: "string", description: "A page about the deprecation (absolute URL)." },
      },
    },
    sunsetAction: {
      enum: ["warn", "gone"],
      description: "After the sunset date: `warn` keeps serving (with the headers), `gone` answers 410. Default `warn`.",
    },
    allowRemoteRefs: {
      type: "boolean",
      description:
        "With `openapi`: follow `$ref`s to http(s) URLs while loading the document. Default false: only the document and the files its `$ref`s name are read.",
    },
  },
};

const limitProps = {
  maxHeaderSize: {
    type: "integer",
    minimum: 1024,
    default: DEFAULTS.server.maxHeaderSize,
    description: "Largest request head in bytes; larger gets 431.",
  },
  headersTimeout: {
    type: "integer",
    minimum: 1,
    default: DEFAULTS.server.headersTimeout,
    description: "Time (ms) a client has to send the request head.",
  },
  requestTimeout: {
    type: "integer",
    minimum: 0,
    default: DEFAULTS.server.requestTimeout,
    description: "Time (ms) a client has to send the whole request; 0 disables.",
  },
  keepAliveTimeout: {
    type: "integer",
    minimum: 0,
    default: DEFAULTS.server.keepAliveTimeout,
    description: "Time (ms) an idle keep-alive connection stays open.",
  },
  shutdownTimeout: {
    type: "integer",
    minimum: 0,
    default: DEFAULTS.server.shutdownTimeout,
    description: "On SIGTERM or reload, time (ms) in-flight requests get to finish before connections are closed.",
  },
};

const credential = {
  type: "object",
  additionalProperties: false,
  properties: {
    type: { type: "string", minLength: 1, description: "`key-auth`, `basic-auth` or `jwt`." },
    keyId: { type: "string", minLength: 1, description: "Key id (key-auth, jwt)." },
    keySecret: { type: "string", minLength: 1, description: "Key secret (key-auth, jwt)." },
    password: { type: "string", minLength: 1, description: "Password (basic-auth; the username is the consumer's)." },
    scopes: { type: "array", items: { type: "string" }, description: "Scopes the credential holds." },
  },
  required: ["type"],
};

/** The configuration file's schema. */
export const gatewayConfigSchema: JsonSchema = {
  $id: "https://turnpike.dev/schemas/gateway.config.json",
  title: "Turnpike gateway configuration",
  type: "object",
  additionalProperties: false,
  properties: {
    http: {
      type: "object",
      description: "The HTTP listener.",
      additionalProperties: false,
      properties: {
        port: { ...port, default: 8080 },
        host: { type: "string", description: `Address to bind (default ${DEFAULTS.host}).` },
        hostname: { type: "string", description: "Alias of `host` (Express Gateway)." },
      },
    },
    https: {
      type: "object",
      description: "The HTTPS listener.",
      additionalProperties: false,
      properties: {
        port: { ...port, default: 8443 },
        host: { type: "string", description: `Address to bind (default ${DEFAULTS.host}).` },
        hostname: { type: "string", description: "Alias of `host` (Express Gateway)." },
        tls: {
          type: "object",
          description: "`{key, cert}`, or Express Gateway's map of hostname (or `default`) to `{key, cert}`.",
          additionalProperties: tlsFiles,
          properties: tlsFiles.properties,
        },
      },
      required: ["tls"],
    },
    admin: {
      type: "object",
      description: "The admin API listener (consumers, credentials, metrics). Absent: no admin API.",
      additionalProperties: false,
      properties: {
        port: { ...port, default: 9876 },
        host: { type: "string", description: `Address to bind (default ${DEFAULTS.adminHost}); without a token only loopback is allowed.` },
        hostname: { type: "string", description: "Alias of `host` (Express Gateway)." },
        token: { type: "string", description: "Bearer token every admin route but `GET /health` requires." },
        dataDir: { type: "string", description: "Where admin-written data is stored. Default: `.turnpike/` next to the config file." },
      },
    },
    server: { type: "object", description: "Limits applied to every listener.", additionalProperties: false, properties: limitProps },
    trustProxy: {
      type: ["boolean", "integer", "string", "array"],
      items: { type: "string" },
      default: false,
      description:
        "Peers allowed to set X-Forwarded-* and X-Request-Id: false (no one), true (everyone), a hop count, or addresses/CIDRs and `loopback`, `linklocal`, `uniquelocal`.",
    },
    plugins: {
      type: ["array", "object"],
      items: { type: "string", minLength: 1 },
      additionalProperties: { type: ["object", "null"] },
      description: "Policy packages to load by name (npm package or path relative to this file).",
    },
    redis: {
      type: ["object", "string"],
      description: "Redis for state shared by several instances (a URL, or an object). Absent: embedded state.",
      additionalProperties: false,
      properties: {
        url: { type: "string", minLength: 1, description: "`redis://host:port/db` URL." },
        prefix: { type: "string", default: DEFAULTS.redis.prefix, description: "Prefix of every key Turnpike writes." },
        namespace: { type: "string", description: "Alias of `prefix` (Express Gateway)." },
        commandTimeout: { type: "integer", minimum: 1, default: DEFAULTS.redis.commandTimeout, description: "Bound (ms) on each command." },
        connectTimeout: { type: "integer", minimum: 1, default: DEFAULTS.redis.connectTimeout, description: "Bound (ms) on connecting." },
      },
      required: ["url"],
    },
    consumers: {
      type: "array",
      description: "Consumers declared in the file (read-only through the admin API).",
      items: {
        type: "object",
        properties: {
          username: { type: "string", minLength: 1 },
          credentials: { type: "array", items: credential },
        },
        required: ["username"],
      },
    },
    apiEndpoint: { type: "object", description: "Alias of `apiEndpoints` (Express Gateway)." },
    apiEndpoints: {
      type: ["object", "null"],
      description: "What clients call: named host/path/method rules (a rule, or a list of rules).",
      additionalProperties: { anyOf: [apiEndpointRule, { type: "array", items: apiEndpointRule }] },
    },
    serviceEndpoints: {
      type: ["object", "null"],
      description: "What the gateway calls: named upstreams with `url` or `urls`.",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          url: { type: "string", description: "The upstream's base URL." },
          urls: { ...upstreamListSchema, description: "Several instances to balance across: URLs, or `{url, weight}`." },
          proxyOptions: serviceProxyOptionsSchema,
        },
      },
    },
    policies: {
      type: "array",
      items: { type: "string" },
      description: "Allow-list of policy names (Express Gateway); absent: every loaded policy.",
    },
    versioning: {
      type: "object",
      additionalProperties: false,
      description: "How requests name the API version, for apiEndpoints that declare a `version`.",
      properties: {
        by: {
          enum: ["path", "header", "query"],
          default: "path",
          description: "`path`: a prefix (`/v1/pets`); `header`: a request header; `query`: a query parameter.",
        },
        name: {
          type: "string",
          minLength: 1,
          description: "The header (default `Accept-Version`) or query parameter (default `version`).",
        },
        default: { type: "string", description: "The version of requests that name none; without it they are answered 400." },
      },
    },
    docs: {
      type: "object",
      additionalProperties: false,
      description:
        "Serve Swagger UI (swagger-ui-dist, from the installed package: no CDN) for the gateway's OpenAPI document (`turnpike openapi export`), and the document at `<path>/openapi.json`. Needs @turnpike/openapi.",
      properties: {
        path: { type: "string", pattern: "^/.", default: "/docs", description: "Path of the page, e.g. `/docs`." },
        listener: {
          enum: ["gateway", "admin"],
          default: "gateway",
          description:
            "`gateway`: on the http/https listeners, before every apiEndpoint. `admin`: on the admin listener, behind its bearer token.",
        },
        title: { type: "string", description: "Title of the page and the document. Default: the document's title." },
      },
    },
    pipeline: { type: ["object", "array"], description: "Alias of `pipelines` (Express Gateway)." },
    pipelines: {
      type: ["object", "array", "null"],
      description: "Which policies run, in order, for which apiEndpoints.",
      additionalProperties: { $ref: "#/definitions/pipeline" },
      items: { $ref: "#/definitions/pipeline" },
    },
    // Express Gateway's system.config.yml keys: accepted so its files load, ignored with a warning.
    db: { type: "object", description: "Express Gateway's store settings: ignored (use `redis`)." },
    crypto: { type: "object", description: "Express Gateway setting: ignored." },
    session: { type: "object", description: "Express Gateway setting: ignored." },
    accessTokens: { type: "object", description: "Express Gateway setting: ignored." },
    refreshTokens: { type: "object", description: "Express Gateway setting: ignored." },
    authorizationCodes: { type: "object", description: "Express Gateway setting: ignored." },
    cliConfig: { type: "object", description: "Express Gateway setting: ignored." },
  },
  definitions: {
    pipeline: {
      type: "object",
      additionalProperties: false,
      properties: {
        name: { type: "string", description: "Name, when pipelines are given as a list." },
        apiEndpoint: { ...stringOrList, description: "Alias of `apiEndpoints`." },
        apiEndpoints: { ...stringOrList, description: "apiEndpoints this pipeline handles." },
        policy: { type: ["array", "object"], description: "Alias of `policies`." },
        policies: {
          type: ["array", "object"],
          description: "Policies in order: `- name: options`, `- name: {action, condition}` or `- name: [{condition, action}, ...]`.",
          items: { type: "object", minProperties: 1, maxProperties: 1, additionalProperties: { type: ["object", "array", "null"] } },
        },
      },
    },
  },
};
