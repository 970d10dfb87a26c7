/**
 * Prometheus text exposition of the counters the core keeps for policies (`gateway.metrics`). They are
 * rendered directly rather than registered with prom-client: their names and label sets appear at run
 * time and may differ between series of one name, which prom-client's fixed label names cannot hold.
 */
import type { CounterSeries } from "@turnpike/core";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelName(name: string): string {
  if (LABEL_NAME.test(name) && !name.startsWith("__")) return name;
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, "_").replace(/^(?=\d)|^__/, "_");
  return cleaned === "" ? "_" : cleaned;
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
}

/** Renders `series` as counter families (one `# HELP`/`# TYPE` per name, series grouped under it). */
export function renderCounterSeries(series: readonly CounterSeries[]): string {
  const families = new Map<string, CounterSeries[]>();
  for (const s of series) {
    const family = families.get(s.name);
    if (family) family.push(s);
    else families.set(s.name, [s]);
  }
  const lines: string[] = [];
  for (const [name, members] of families) {
    lines.push(`# HELP ${name} ${escapeHelp(members[0]!.help)}`, `# TYPE ${name} counter`);
    for (const s of members) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${labelName(k)}="${escapeLabelValue(String(v))}"`);
      lines.push(`${name}${labels.length > 0 ? `{${labels.join(",")}}` : ""} ${formatValue(s.value)}`);
    }
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
