/**
 * Options of the `openapi-validate` policy.
 */
import { maxBodyDepthSchema, type JsonSchema } from "@turnpike/core";

/** Validated options of `openapi-validate`. */
export interface OpenApiValidateOptions {
  maxBodySize: number | string;
  maxBodyDepth: number;
  responses: "off" | "log" | "reject";
  maxResponseBodySize: number | string;
}

/** JSON Schema of the `openapi-validate` options. */
export const openApiValidateSchema: JsonSchema = {
  type: "object",
  properties: {
    maxBodySize: {
      type: ["integer", "string"],
      minimum: 0,
      default: "1mb",
      description:
        'Largest request body read for validation: bytes, or a size such as "512kb" (the `request-size` rules). A larger body is refused with 413.',
    },
    maxBodyDepth: maxBodyDepthSchema("A deeper request body is a problem (400); a deeper response body fails its validation."),
    responses: {
      enum: ["off", "log", "reject"],
      default: "off",
      description:
        "Validate responses against the operation's documented responses: `log` logs the problems and lets the response through; `reject` answers 502 instead (the problems go to the gateway log, never the upstream's body).",
    },
    maxResponseBodySize: {
      type: ["integer", "string"],
      minimum: 0,
      default: "1mb",
      description: "Largest response body held for validation; a larger one streams through unchecked (logged at debug level).",
    },
  },
};
