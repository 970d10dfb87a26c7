/**
 * OpenAPI documents for tests: written to temporary directories, and a generator of large documents.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Writes `files` (relative name → object or text) to a directory (default: a fresh temporary one) and returns it. */
export function writeFiles(files: Record<string, object | string>, dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-openapi-"))): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

const ok = { "200": { description: "ok", content: { "application/json": { schema: { type: "object" } } } } };

/**
 * An OpenAPI 3.0 document with `resources × 4 + 2` operations shaped like real APIs: for each resource
 * `GET/POST /r{i}` and `GET/DELETE /r{i}/{id}`, plus `/r{i}/{id}/items/{itemId}` GETs every tenth one.
 */
export function largeDocument(resources: number): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < resources; i++) {
    paths[`/r${i}`] = {
      get: {
        operationId: `list${i}`,
        parameters: [{ name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100 } }],
        responses: ok,
      },
      post: {
        operationId: `create${i}`,
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
        },
        responses: ok,
      },
    };
    paths[`/r${i}/{id}`] = {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      get: { operationId: `get${i}`, responses: ok },
      delete: { operationId: `delete${i}`, responses: ok },
    };
    if (i % 10 === 0) {
      paths[`/r${i}/{id}/items/{itemId}`] = {
        get: {
          operationId: `item${i}`,
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string" } },
            { name: "itemId", in: "path", required: true, schema: { type: "integer" } },
          ],
          responses: ok,
        },
      };
    }
  }
  return {
    openapi: "3.0.3",
    info: { title: "large", version: "1" },
    paths,
    components: { schemas: { Thing: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } },
  };
}
