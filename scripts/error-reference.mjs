// Renders docs/errors.md from the error table (ERROR_CODES in packages/core/src/errors.ts). Written by
// `npm run docs` and checked by `npm test`, both through scripts/generated-docs.mjs; the core's errors
// test renders it from the source table too.

const cell = (text) =>
  String(text ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\n/g, " ");

/**
 * Renders the error reference as markdown.
 * @param {Record<string, {status: number, message: string, when: string}>} codes the error table
 * @returns {string}
 */
export function renderErrorReference(codes) {
  const rows = Object.entries(codes).map(([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.message)} | ${cell(e.when)} |`);
  return `${[
    "# Error codes",
    "",
    "Generated from the error table in `packages/core/src/errors.ts` by `npm run docs` (scripts/error-reference.mjs): do not edit",
    "by hand.",
    "",
    "Every error the gateway itself answers, on the gateway's listeners and on the admin API, has a JSON body and never a stack",
    "trace:",
    "",
    "```json",
    '{ "error": { "status": 401, "code": "UNAUTHORIZED", "message": "Missing credentials" } }',
    "```",
    "",
    "`code` is stable: match on it, not on the message. `message` is the default below unless the part that raised the error",
    "says more (the admin API lists every invalid field, for instance). Answers from the upstream pass through unchanged.",
    "",
    "| code | status | default message | when |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "## Codes of plugins",
    "",
    "A policy answers an error by passing a `GatewayError` to `next` (or throwing it). A code of the table above takes the",
    "table's status and message unless told otherwise; a plugin's own code must give its status, which TypeScript enforces:",
    "",
    "```ts",
    'next(new GatewayError("RATE_LIMITED", "Slow down", { headers: { "Retry-After": "5" } }));',
    'next(new GatewayError("PAYMENT_REQUIRED", "This plan has no calls left", { status: 402 }));',
    "```",
    "",
    "To recognise a gateway error, use `isGatewayError(err)` (and `isConfigError(err)` for configuration problems) rather than",
    "`instanceof`: a plugin may load its own copy of `@turnpike/core`, whose classes are not the gateway's, and the check",
    "recognises errors from every copy. Anything else a policy throws is answered 500 `INTERNAL_ERROR` and logged.",
  ].join("\n")}\n`;
}
