/**
 * Express Gateway's answer to `PUT .../status`: what happened, in its words.
 */

/** `{status: "Activated" | "Deactivated"}` after a change, `{status: "Active" | "Inactive"}` when none was needed. */
export function statusAnswer(before: boolean, wanted: boolean): { status: "Activated" | "Deactivated" | "Active" | "Inactive" } {
  if (before === wanted) return { status: wanted ? "Active" : "Inactive" };
  return { status: wanted ? "Activated" : "Deactivated" };
}
