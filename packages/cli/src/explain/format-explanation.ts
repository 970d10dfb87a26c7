/**
 * The text `turnpike explain` prints for an explanation (the admin API's `POST /explain` answers the
 * same structure as JSON): the request and its canonical target, the match or the nearest rules, then
 * one block per step with its condition and what its policy would do.
 */
import type { RequestExplanation } from "@turnpike/core";

/** Renders `explanation` as lines. */
export function formatExplanation(explanation: RequestExplanation): string[] {
  const { request, target, error, match, nearest, steps, answeredBy } = explanation;
  const lines = [`${request.method} ${request.url} (host ${request.host})`];
  if (target) lines.push(`target: ${target.path}${target.query}`);
  if (error) {
    lines.push(
      error.code === "NOT_FOUND"
        ? `no apiEndpoint matches: ${error.status} ${error.code}`
        : `refused before any pipeline: ${error.status} ${error.code} (${error.message})`,
    );
    if (nearest && nearest.length > 0) {
      lines.push("nearest:");
      for (const n of nearest)
        lines.push(
          `  apiEndpoint ${n.apiEndpoint}${n.pattern !== undefined ? ` (${n.pattern})` : ""} → pipeline ${n.pipeline}: ${n.mismatches.join(", ")} differ${n.mismatches.length === 1 ? "s" : ""}`,
        );
    } else if (nearest) lines.push("nearest: no apiEndpoint is configured");
    return lines;
  }
  if (match) {
    const params = Object.entries(match.params).map(([k, v]) => `${k}=${v}`);
    lines.push(
      `matched: apiEndpoint ${match.apiEndpoint}${match.route !== undefined ? ` (${match.route})` : ""} → pipeline ${match.pipeline}${match.version !== undefined ? `, version ${match.version}` : ""}${params.length > 0 ? `, params ${params.join(" ")}` : ""}`,
    );
  }
  for (const step of steps) {
    lines.push(`  ${step.index + 1}. ${step.policy} (${step.path})`);
    if (step.state === "not-reached") {
      lines.push("     not reached");
      continue;
    }
    if (step.condition !== null && step.condition !== undefined)
      lines.push(`     condition: ${step.condition}${step.condition ? "" : " → skipped"}`);
    if (step.explanation) lines.push(`     ${step.explanation.summary}`);
  }
  if (answeredBy)
    lines.push(
      `answered by step ${answeredBy.index + 1} (${answeredBy.policy})${answeredBy.status !== undefined ? `: ${answeredBy.status}` : ""}`,
    );
  else if (match) lines.push("no step answers: 404 NOT_HANDLED");
  return lines;
}
