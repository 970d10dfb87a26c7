/**
 * @turnpike/openapi: the OpenAPI side of Turnpike. Policies `openapi-validate` (requests, optionally
 * responses, against the operation an OpenAPI-defined apiEndpoint matched), `mock` (answers from the
 * document's examples and schemas, or static) and `openapi-docs` (Swagger UI, behind the top-level
 * `docs:` key); and the tools behind `turnpike openapi export|import` and `turnpike sdk`. First-party: its policies need no `plugins:` entry.
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
import { mockPolicy } from "./policies/mock/mock.js";
import { openApiDocsPolicy } from "./policies/openapi-docs/openapi-docs.js";
import { openApiValidatePolicy } from "./policies/openapi-validate/openapi-validate.js";

export { openApiValidatePolicy } from "./policies/openapi-validate/openapi-validate.js";
export { openApiValidateSchema } from "./policies/openapi-validate/openapi-validate-schema.js";
export type { OpenApiValidateOptions } from "./policies/openapi-validate/openapi-validate-schema.js";
export { mockPolicy } from "./policies/mock/mock.js";
export { mockSchema } from "./policies/mock/mock-schema.js";
export type { MockOptions } from "./policies/mock/mock-schema.js";
export { openApiDocsPolicy, openApiDocsSchema } from "./policies/openapi-docs/openapi-docs.js";
export type { OpenApiDocsOptions } from "./policies/openapi-docs/openapi-docs.js";
export { generateValue } from "./mock/generate-value.js";
export { convertDocument } from "./schemas/convert-document.js";
export type { SchemaView } from "./schemas/convert-document.js";
export { exportDocument } from "./export/export-document.js";
export type { ExportOptions } from "./export/export-document.js";
export { starterConfig } from "./import/starter-config.js";
export type { StarterConfig, StarterConfigOptions } from "./import/starter-config.js";
export { typescriptSdk, OPENAPI_FETCH_RANGE } from "./sdk/typescript-sdk.js";
export type { SdkFiles, TypeScriptSdkOptions } from "./sdk/typescript-sdk.js";

export default definePlugin({ name: "@turnpike/openapi", policies: [openApiValidatePolicy, mockPolicy, openApiDocsPolicy] });
