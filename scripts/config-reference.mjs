// Renders docs/configuration-reference.md from the JSON Schemas: the configuration file's own and
// every policy's (built-in and first-party). Written by `npm run docs` and checked by `npm test`, both
// through scripts/generated-docs.mjs.
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Renders the reference as markdown. */
export async function renderReference() {
  const core = await import(path.join(root, "packages/core/dist/index.js"));
  const policies = [...core.builtinPolicies];
  for (const pkg of [...new Set(Object.values(core.FIRST_PARTY_POLICIES))].sort()) {
    const file = core.resolvePlugin(pkg, root);
    if (!file) continue;
    const plugin = (await import(file)).default;
    for (const policy of plugin?.policies ?? []) policies.push({ ...policy, package: pkg });
  }

  const type = (s) => {
    if (!s) return "";
    if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
    if (s.anyOf) return s.anyOf.map(type).join(" \\| ");
    const t = Array.isArray(s.type) ? s.type.join(" \\| ") : (s.type ?? "");
    return t === "array" && s.items ? `array of ${type(s.items)}` : t;
  };
  const cell = (text) =>
    String(text ?? "")
      .replace(/\|/g, "\\|")
      .replace(/\n/g, " ");
  const table = (properties, required = []) => {
    const rows = Object.entries(properties ?? {}).map(([name, s]) => {
      const def = s.default === undefined ? "" : `\`${JSON.stringify(s.default)}\``;
      const note = s.deprecated ? " *(Express Gateway option, accepted and ignored with a warning)*" : "";
      return `| \`${name}\`${required.includes(name) ? " (required)" : ""} | ${type(s)} | ${def} | ${cell(s.description)}${note} |`;
    });
    return ["| option | type | default | description |", "| --- | --- | --- | --- |", ...rows].join("\n");
  };

  const out = [
    "# Configuration reference",
    "",
    "Generated from the JSON Schemas by `npm run docs` (scripts/config-reference.mjs): do not edit by hand.",
    "See [configuration.md](configuration.md) for the guide.",
    "",
    "## The file's top-level keys",
    "",
  ];
  const schema = core.gatewayConfigSchema;
  out.push(table(schema.properties), "");
  for (const [key, s] of Object.entries(schema.properties)) {
    if (s.properties && Object.keys(s.properties).length > 0)
      out.push(`### \`${key}\``, "", cell(s.description), "", table(s.properties, s.required), "");
  }
  const nested = [
    ["apiEndpoints.<name>", schema.properties.apiEndpoints.additionalProperties.anyOf[0]],
    ["serviceEndpoints.<name>", schema.properties.serviceEndpoints.additionalProperties],
    ["pipelines.<name>", schema.definitions.pipeline],
    ["consumers[]", schema.properties.consumers.items],
    ["consumers[].credentials[]", schema.properties.consumers.items.properties.credentials.items],
  ];
  for (const [key, s] of nested) out.push(`### \`${key}\``, "", table(s.properties, s.required), "");
  out.push("## Policies", "");
  for (const policy of policies.sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(
      `### \`${policy.name}\``,
      "",
      `${policy.description ?? ""}${policy.package ? ` (from \`${policy.package}\`)` : " (built in)"}`,
      "",
    );
    out.push(table(policy.schema.properties, policy.schema.required), "");
  }
  out.push("## Conditions", "", "Used as `condition: { name, ...options }` in a policy step.", "");
  for (const condition of core.builtinConditions) {
    const props = condition.schema.properties ?? {};
    out.push(
      `- \`${condition.name}\`${
        Object.keys(props).length
          ? `: ${Object.entries(props)
              .map(([n, s]) => `\`${n}\` (${cell(s.description)})`)
              .join(", ")}`
          : ""
      }`,
    );
  }
  return `${out.join("\n")}\n`;
}
