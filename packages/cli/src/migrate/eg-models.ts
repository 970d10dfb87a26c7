/**
 * Express Gateway's `models/*.json` let an operator add user and app properties; Turnpike's users and
 * apps have a fixed set. Properties beyond it are reported (their values are not kept).
 */
import type { EgProject } from "./eg-project.js";
import type { MigrationReport } from "./migration-report.js";

const KEPT: Readonly<Record<string, readonly string[]>> = {
  users: ["username", "firstname", "lastname", "email", "redirectUri"],
  applications: ["name", "redirectUri"],
};

/** Reports the model properties Turnpike does not keep. */
export function reportModels(project: EgProject, report: MigrationReport): void {
  for (const [model, kept] of Object.entries(KEPT)) {
    const schema = project.models[model];
    if (!schema) continue;
    const properties = Object.keys((schema.properties ?? {}) as Record<string, unknown>);
    const extra = properties.filter((p) => !kept.includes(p));
    const where = `models/${model}.json`;
    if (extra.length === 0) report.add("converted", where, `properties ${properties.join(", ")}`);
    else
      report.add(
        "refused",
        where,
        `propert${extra.length > 1 ? "ies" : "y"} ${extra.join(", ")} not kept: Turnpike ${model === "users" ? "users" : "apps"} have ${kept.join(", ")}`,
      );
  }
}
