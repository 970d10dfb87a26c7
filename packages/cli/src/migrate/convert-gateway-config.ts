/**
 * `gateway.config.yml` → Turnpike's file. Turnpike reads Express Gateway's shapes, so most of the file
 * is kept as it is (comments too); what changes is rewritten in place and reported with its line:
 * - `jwt` with a PEM public key gets the `algorithms` Express Gateway accepted implicitly;
 * - relative key and certificate files are re-based on the output directory;
 * - an admin API beyond loopback gets a token (Turnpike refuses to serve it without one);
 * - `redis:` comes from `system.config.yml`;
 * - the policy allow-list loses the Express Gateway policies Turnpike does not have;
 * - a pipeline using one of them (`expression`, `oauth2`, ...) or an `expression` condition is left
 *   out whole: serving it without that step could let through requests it refused (fail closed).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { algorithmsForPublicKey } from "@turnpike/policy-auth";
import { isMap, isScalar, isSeq, Pair, Scalar, YAMLSeq, type Document, type Node, type YAMLMap } from "yaml";
import { where, type EgFile, type EgProject } from "./eg-project.js";
import type { MigrationReport } from "./migration-report.js";
import type { SystemConversion } from "./convert-system-config.js";

/** Express Gateway policies Turnpike does not provide, and what to do instead. */
export const POLICIES_NOT_PROVIDED: Readonly<Record<string, string>> = {
  expression:
    "runs JavaScript from the config on every request, which Turnpike never does; port it to a plugin policy (docs/writing-policies.md)",
  oauth2: "Turnpike is not an OAuth2 authorization server; issue tokens with your identity provider and verify them with jwt",
  "oauth2-introspect": "not provided; verify JWT access tokens with jwt (jwksUri), or port it to a plugin policy",
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

function keyOf(pair: Pair): string {
  return String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
}

/** Every map node under `node` (itself included). */
function* maps(node: unknown): Generator<YAMLMap> {
  if (isMap(node)) {
    yield node;
    for (const pair of node.items) yield* maps(pair.value);
  } else if (isSeq(node)) {
    for (const item of node.items) yield* maps(item);
  }
}

/** The `action` maps of a policy entry's value: a list of steps, one step, or the options themselves. */
function actions(value: unknown): YAMLMap[] {
  const steps = isSeq(value) ? value.items : [value];
  return steps.flatMap((step) => {
    if (!isMap(step)) return [];
    const action = step.get("action", true);
    if (isMap(action)) return [action];
    return step.has("condition") ? [] : [step];
  });
}

/** Converts the gateway file in place (see the module comment). */
export function convertGatewayConfig(project: EgProject, system: SystemConversion, outDir: string, report: MigrationReport): Document {
  const file = project.gateway;
  const doc = file.document;
  const root = doc.contents;
  if (!isMap(root)) throw new Error(`${file.file}: expected a mapping of keys (http, apiEndpoints, pipelines, ...)`);
  const rebase = (text: string): string =>
    path.isAbsolute(text) || text.includes("${") ? text : path.relative(outDir, path.resolve(project.root, text)) || ".";

  for (const pair of [...root.items]) {
    const key = keyOf(pair);
    const at = where(file, pair.key as Node);
    switch (key) {
      case "admin":
        convertAdmin(file, pair.value, report);
        break;
      case "https":
        rebaseTls(file, pair.value, rebase, report);
        report.add("converted", at, "https");
        break;
      case "policies":
        convertAllowList(file, pair.value, report);
        break;
      case "pipelines":
      case "pipeline":
        convertPipelines(file, doc, key, pair.value, project, rebase, report);
        break;
      case "apiEndpoints":
      case "serviceEndpoints": {
        const n = isMap(pair.value) ? pair.value.items.length : 0;
        report.add("converted", at, `${key} (${n})`);
        break;
      }
      default:
        report.add("converted", at, key);
    }
  }
  if (system.redisUrl !== undefined) {
    if (root.has("redis"))
      report.add("refused", where(file, root.get("redis", true) as Node), "redis: already set; system.config.yml's db.redis not copied");
    else root.items.push(new Pair(new Scalar("redis"), doc.createNode({ url: system.redisUrl })));
  }
  return doc;
}

function convertAdmin(file: EgFile, admin: unknown, report: MigrationReport): void {
  if (!isMap(admin)) return;
  const host = String((admin.get("host") ?? admin.get("hostname") ?? "127.0.0.1") as string);
  if (!admin.has("token") && !LOOPBACK.test(host)) {
    admin.set("token", "${TURNPIKE_ADMIN_TOKEN}");
    report.add(
      "changed",
      where(file, admin),
      `admin listens on ${host}: added token: \${TURNPIKE_ADMIN_TOKEN} (Turnpike never serves the admin API beyond loopback without a token; set the variable)`,
    );
  } else {
    report.add("converted", where(file, admin), "admin");
  }
}

function rebaseTls(file: EgFile, https: unknown, rebase: (text: string) => string, report: MigrationReport): void {
  for (const map of maps(isMap(https) ? https.get("tls", true) : undefined)) {
    for (const pair of map.items) {
      const key = keyOf(pair);
      if (!["key", "cert", "ca", "keyFile", "certFile"].includes(key)) continue;
      const values = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const value of values) {
        if (!isScalar(value) || typeof value.value !== "string") continue;
        const next = rebase(value.value);
        if (next === value.value) continue;
        report.add("changed", where(file, value), `https.tls ${key} ${value.value} → ${next} (relative to the new file's directory)`);
        value.value = next;
      }
    }
  }
}

function convertAllowList(file: EgFile, list: unknown, report: MigrationReport): void {
  if (!isSeq(list)) return;
  for (const item of [...list.items]) {
    const name = isScalar(item) ? String(item.value) : isMap(item) ? keyOf(item.items[0]!) : undefined;
    if (name === undefined || POLICIES_NOT_PROVIDED[name] === undefined) continue;
    list.items.splice(list.items.indexOf(item), 1);
    report.add("changed", where(file, item as Node), `policies: ${name} removed from the allow-list (${POLICIES_NOT_PROVIDED[name]})`);
  }
  report.add("converted", where(file, list), `policies allow-list (${list.items.length})`);
}

function convertPipelines(
  file: EgFile,
  doc: Document,
  key: string,
  pipelines: unknown,
  project: EgProject,
  rebase: (text: string) => string,
  report: MigrationReport,
): void {
  // [name, the node naming it (its key, for the line), the pipeline]
  const entries: [string, unknown, unknown][] = isMap(pipelines)
    ? pipelines.items.map((p) => [keyOf(p), p.key, p.value])
    : isSeq(pipelines)
      ? pipelines.items.map((p, i) => [isMap(p) ? String(p.get("name") ?? i) : String(i), p, p])
      : [];
  const refused: string[] = [];
  for (const [name, named, pipeline] of entries) {
    if (!isMap(pipeline)) continue;
    const policies = pipeline.get("policies", true) ?? pipeline.get("policy", true);
    const list = isSeq(policies) ? policies.items : policies === undefined ? [] : [policies];
    let why: string | undefined;
    for (const entry of list) {
      if (!isMap(entry) || entry.items.length === 0) continue;
      const policy = keyOf(entry.items[0]!);
      const value = entry.items[0]!.value;
      const unsupported = POLICIES_NOT_PROVIDED[policy];
      if (unsupported !== undefined) {
        why = `${where(file, entry)}: policy ${policy}: ${unsupported}`;
        break;
      }
      const expression = [...maps(value)].find((m) => m.get("name") === "expression" && m !== value);
      if (expression) {
        why = `${where(file, expression)}: condition expression: runs JavaScript from the config on every request; use pathMatch, method, hostMatch, allOf/oneOf/not or a plugin condition`;
        break;
      }
      if (policy === "jwt") for (const action of actions(value)) convertJwt(file, action, project, rebase, report);
    }
    if (why !== undefined) {
      refused.push(name);
      report.add("refused", where(file, named as Node), `pipeline ${name} left out (its routes answer 404 until it is ported): ${why}`);
    } else {
      report.add("converted", where(file, named as Node), `pipeline ${name}`);
    }
  }
  for (const name of refused) removePipeline(doc, key, name);
}

/** Removes a pipeline by name (a map key, or the `name` of a list item). */
export function removePipeline(doc: Document, key: string, name: string): void {
  const pipelines = doc.get(key, true);
  if (isMap(pipelines)) pipelines.delete(name);
  else if (isSeq(pipelines)) {
    const i = pipelines.items.findIndex((p, index) => (isMap(p) ? String(p.get("name") ?? index) : String(index)) === name);
    if (i !== -1) pipelines.items.splice(i, 1);
  }
}

function convertJwt(file: EgFile, action: YAMLMap, project: EgProject, rebase: (text: string) => string, report: MigrationReport): void {
  const keyFile = action.get("secretOrPublicKeyFile", true);
  let material: string | undefined;
  if (isScalar(keyFile) && typeof keyFile.value === "string") {
    try {
      material = readFileSync(path.resolve(project.root, keyFile.value), "utf8");
    } catch {
      material = undefined; // reported by Turnpike's own check of the output
    }
    const next = rebase(keyFile.value);
    if (next !== keyFile.value) {
      report.add(
        "changed",
        where(file, keyFile),
        `jwt secretOrPublicKeyFile ${keyFile.value} → ${next} (relative to the new file's directory)`,
      );
      keyFile.value = next;
    }
  } else {
    const inline = action.get("secretOrPublicKey");
    if (typeof inline === "string") material = inline;
  }
  if (action.has("algorithms") || material === undefined || !material.includes("-----BEGIN")) return;
  const algorithms = algorithmsForPublicKey(material);
  if (algorithms === undefined || algorithms.length === 0) return;
  const seq = new YAMLSeq();
  seq.flow = true;
  for (const a of algorithms) seq.items.push(new Scalar(a));
  action.set("algorithms", seq);
  report.add(
    "changed",
    where(file, action),
    `jwt: added algorithms: [${algorithms.join(", ")}] (every algorithm this public key verifies, as Express Gateway accepted; pin the one your issuer uses)`,
  );
}
