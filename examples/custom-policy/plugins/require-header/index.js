// @ts-check
// A local plugin with one policy. The gateway loads it by path from gateway.config.yml
// (`plugins: ["./plugins/require-header"]`); its schema is checked at load, like a built-in policy's.
import { definePlugin, definePolicy, GatewayError } from "@turnpike/core";

/**
 * `require-header`: rejects requests that lack a header (or carry a value not in `values`) with 400,
 * and can forward the value upstream under another name.
 *
 * @type {import("@turnpike/core").PolicyDefinition<{ header: string; values?: string[]; forwardAs?: string }>}
 */
export const requireHeader = definePolicy({
  name: "require-header",
  phase: "access",
  description: "Rejects requests without a given header.",
  schema: {
    type: "object",
    properties: {
      header: { type: "string", minLength: 1, description: "Header the request must carry." },
      values: { type: "array", items: { type: "string" }, minItems: 1, description: "Accepted values; any value when absent." },
      forwardAs: { type: "string", minLength: 1, description: "Also send the value upstream under this header name." },
    },
    required: ["header"],
  },
  // Runs once per configuration load: everything derived from the options is computed here.
  create({ header, values, forwardAs }) {
    const name = header.toLowerCase();
    const accepted = values ? new Set(values) : undefined;
    const target = forwardAs?.toLowerCase();
    return function requireHeader(req, _res, next) {
      const value = req.headers[name];
      if (typeof value !== "string" || (accepted && !accepted.has(value))) {
        return next(
          new GatewayError("BAD_REQUEST", `The ${header} header is required${accepted ? ` (one of: ${[...accepted].join(", ")})` : ""}`),
        );
      }
      if (target) req.headers[target] = value;
      next();
    };
  },
});

// `turnpike`: the Turnpike versions this plugin works with, checked when it loads.
export default definePlugin({ name: "require-header", turnpike: "^0.1.0", policies: [requireHeader] });
