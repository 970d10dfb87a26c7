/**
 * The last step of converting a file: Turnpike's own check (`checkConfig`, what `turnpike validate`
 * runs) decides what it can read; migrate does not keep a second copy of those rules. A pipeline it
 * refuses is left out whole (fail closed) and the check runs again; a problem elsewhere is reported for
 * the operator to fix.
 */
import { writeFileSync } from "node:fs";
import { checkConfig, type ConfigProblem } from "@turnpike/core";
import { isMap, type Document, type Node } from "yaml";
import { removePipeline } from "./convert-gateway-config.js";
import { nodeAtPath, splitPath, where, type EgFile } from "./eg-project.js";
import type { MigrationReport } from "./migration-report.js";

/**
 * Writes `doc` to `outFile` until Turnpike's check passes or only problems outside pipelines remain.
 * @returns whether the written file is valid
 */
export async function settleWithTurnpike(
  file: EgFile,
  doc: Document,
  outFile: string,
  env: NodeJS.ProcessEnv,
  report: MigrationReport,
): Promise<boolean> {
  // Each round removes at least one pipeline, so the loop ends; the bound is a guard.
  for (let round = 0; round < 1000; round++) {
    writeFileSync(outFile, doc.toString({ lineWidth: 0 }));
    const { problems, warnings } = await checkConfig(outFile, { env });
    if (problems.length === 0) {
      for (const warning of warnings) report.add("changed", "turnpike", warning);
      return true;
    }
    const byPipeline = new Map<string, { key: string; problems: ConfigProblem[] }>();
    const elsewhere: ConfigProblem[] = [];
    for (const problem of problems) {
      const [section, name] = splitPath(problem.path);
      if ((section === "pipelines" || section === "pipeline") && name !== undefined) {
        const entry = byPipeline.get(name) ?? { key: section, problems: [] };
        entry.problems.push(problem);
        byPipeline.set(name, entry);
      } else {
        elsewhere.push(problem);
      }
    }
    if (byPipeline.size === 0) {
      for (const problem of elsewhere)
        report.add("refused", where(file, nodeAtPath(doc, problem.path)), `${problem.path}: ${problem.message} (fix it before starting)`);
      return false;
    }
    for (const [name, { key, problems: found }] of byPipeline) {
      const reasons = found.map((p) => `${where(file, nodeAtPath(doc, p.path))} ${p.path}: ${p.message}`).join("; ");
      report.add(
        "refused",
        where(file, pipelineKey(doc, key, name)),
        `pipeline ${name} left out (its routes answer 404 until it is fixed): ${reasons}`,
      );
      removePipeline(doc, key, name);
    }
  }
  return false;
}

/** The key naming a pipeline (its line is the pipeline's), or the pipeline itself in a list. */
function pipelineKey(doc: Document, key: string, name: string): Node | undefined {
  const pipelines = doc.get(key, true);
  if (isMap(pipelines))
    return pipelines.items.find((p) => String((p.key as { value?: unknown }).value ?? p.key) === name)?.key as Node | undefined;
  return nodeAtPath(doc, `${key}.${name}`);
}
