/**
 * Options of the `mock` policy.
 */
import type { JsonSchema } from "@turnpike/core";

/** Validated options of `mock`. */
export interface MockOptions {
  from?: "openapi";
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delay: number;
}

/** JSON Schema of the `mock` options. */
export const mockSchema: JsonSchema = {
  type: "object",
  properties: {
    from: {
      enum: ["openapi"],
      description:
        "`openapi`: answer each operation from its documented responses: the example `Prefer: example=NAME` names, the status `Prefer: code=404` names, the media type `Accept` prefers; where no example is documented, a value generated from the schema (the same every time).",
    },
    status: {
      type: "integer",
      minimum: 100,
      maximum: 599,
      description:
        "Static answer: its status (default 200). With `from: openapi`: the documented status answered when the request names none.",
    },
    headers: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Headers added to the answer.",
    },
    body: {
      description: "Static answer: its body (a string is sent as text/plain unless `headers` set a Content-Type; anything else as JSON).",
    },
    delay: { type: "integer", minimum: 0, maximum: 600000, default: 0, description: "Time (ms) to wait before answering." },
  },
};
