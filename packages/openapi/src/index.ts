/**
 * @turnpike/openapi: the OpenAPI side of Turnpike. Policies `openapi-validate` (requests, optionally
 * responses, against the operation an OpenAPI-defined apiEndpoint matched) and `mock` (answers from the
 * document's examples and schemas, or static); and the tools behind `turnpike openapi export|import`,
 * `turnpike sdk` and the `docs` route. First-party: its policies need no `plugins:` entry.
 *
 * @example
 * ```yaml
 * apiEndpoints:
 *   pets: { openapi: ./petstore.yaml }
 * pipelines:
 *   pets:
 *     apiEndpoints: [pets]
 *     policies:
 *       - openapi-validate: {}
 *       - proxy: { serviceEndpoint: pets }
 * ```
 */
import { definePlugin } from "@turnpike/core";
import { openApiValidatePolicy } from "./policies/openapi-validate/openapi-validate.js";

export { openApiValidatePolicy } from "./policies/openapi-validate/openapi-validate.js";
export { openApiValidateSchema } from "./policies/openapi-validate/openapi-validate-schema.js";
export type { OpenApiValidateOptions } from "./policies/openapi-validate/openapi-validate-schema.js";
export { convertDocument } from "./schemas/convert-document.js";
export type { SchemaView } from "./schemas/convert-document.js";

export default definePlugin({ name: "@turnpike/openapi", policies: [openApiValidatePolicy] });
