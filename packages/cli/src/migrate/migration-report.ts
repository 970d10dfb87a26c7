/**
 * What `turnpike migrate` tells the operator: every part of the Express Gateway project it looked at,
 * as converted (kept as it was), changed (rewritten so Turnpike reads it the same way) or refused (left
 * out, with the reason), each with the file and line it came from.
 */

/** How an entry fared. */
export type MigrationOutcome = "converted" | "changed" | "refused";

/** One line of the report. */
export interface MigrationEntry {
  readonly outcome: MigrationOutcome;
  /** `gateway.config.yml:12`, `system.config.yml`, `redis`, ... */
  readonly where: string;
  readonly message: string;
}

/** Collects entries while migrating, then renders them. */
export class MigrationReport {
  readonly entries: MigrationEntry[] = [];

  add(outcome: MigrationOutcome, where: string, message: string): void {
    this.entries.push({ outcome, where, message });
  }

  count(outcome: MigrationOutcome): number {
    return this.entries.filter((e) => e.outcome === outcome).length;
  }

  /** The report as printed: one section per outcome, then a summary line. */
  render(): string[] {
    const lines: string[] = [];
    for (const outcome of ["converted", "changed", "refused"] as const) {
      const entries = this.entries.filter((e) => e.outcome === outcome);
      if (entries.length === 0) continue;
      lines.push(`${outcome}:`);
      for (const e of entries) lines.push(`  ${e.where}: ${e.message}`);
    }
    lines.push(`${this.count("converted")} converted, ${this.count("changed")} changed, ${this.count("refused")} refused`);
    return lines;
  }
}
