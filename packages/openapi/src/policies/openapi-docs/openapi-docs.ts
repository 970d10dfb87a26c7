/**
 * The `openapi-docs` policy behind the top-level `docs:` key: Swagger UI (swagger-ui-dist, served from
 * the installed package, no CDN) for the document the gateway exposes, and that document at
 * `<path>/openapi.json`. The document is built once, when the configuration is compiled.
 */
import { definePolicy, GatewayError, type JsonSchema } from "@turnpike/core";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { exportDocument } from "../../export/export-document.js";

/** Validated options of `openapi-docs`. */
export interface OpenApiDocsOptions {
  /** Where the docs are served, e.g. `/docs`. */
  path: string;
  title?: string;
}

/** JSON Schema of the `openapi-docs` options. */
export const openApiDocsSchema: JsonSchema = {
  type: "object",
  properties: {
    path: { type: "string", pattern: "^/", description: "Path the docs are served under, e.g. `/docs`." },
    title: { type: "string", description: "Title of the page and of the document. Default: the document's." },
  },
  required: ["path"],
};

// The files of swagger-ui-dist the page loads; nothing else of the package is served.
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string): string {
  // The page's script is a file of its own (no inline script), so a strict Content-Security-Policy holds.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="swagger-ui.css">
<link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="swagger-ui-standalone-preset.js"></script>
<script src="init.js"></script>
</body>
</html>
`;
}

const INIT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
};
`;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** Reads the assets once per compile (from the installed swagger-ui-dist). */
function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSETS)) assets.set(name, { type, body: readFileSync(path.join(dir, name)) });
  return assets;
}

/** The `openapi-docs` policy. */
export const openApiDocsPolicy = definePolicy<OpenApiDocsOptions>({
  name: "openapi-docs",
  description: "Serves Swagger UI and the gateway's OpenAPI document (what the top-level `docs:` key configures).",
  schema: openApiDocsSchema,
  create(options, ctx) {
    const base = options.path.replace(/\/+$/, "");
    const document = exportDocument(ctx.config, options.title === undefined ? {} : { title: options.title });
    const title = options.title ?? String((document.info as { title?: unknown }).title ?? "API");
    const files = loadAssets();
    files.set("", { type: "text/html; charset=utf-8", body: Buffer.from(page(title)) });
    files.set("index.html", files.get("")!);
    files.set("init.js", { type: "text/javascript; charset=utf-8", body: Buffer.from(INIT) });
    files.set("openapi.json", { type: "application/json", body: Buffer.from(JSON.stringify(document, null, 2)) });

    return function openApiDocs(req, res, next) {
      if (req.method !== "GET" && req.method !== "HEAD")
        return next(new GatewayError("METHOD_NOT_ALLOWED", undefined, { headers: { allow: "GET, HEAD" } }));
      // req.path: the canonical path on the gateway, the route's path on the admin listener.
      const requested = req.path;
      // `/docs` → `/docs/`, so the page's relative URLs resolve under it.
      if (requested === base) {
        res.statusCode = 301;
        res.setHeader("location", `${base}/`);
        res.end();
        return;
      }
      const name = requested.startsWith(`${base}/`) ? requested.slice(base.length + 1) : undefined;
      const file = name === undefined ? undefined : files.get(name);
      if (file === undefined) return next(new GatewayError("RESOURCE_NOT_FOUND"));
      res.setHeader("content-type", file.type);
      res.setHeader("content-length", file.body.length);
      res.setHeader("cache-control", "no-cache");
      res.setHeader("x-content-type-options", "nosniff");
      res.statusCode = 200;
      res.end(req.method === "HEAD" ? undefined : file.body);
    };
  },
});
