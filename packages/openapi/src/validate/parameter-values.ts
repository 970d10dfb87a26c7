/**
 * Reading parameter values out of a request as OpenAPI serialises them (style and explode, per
 * location), before they are validated against their schemas. Values stay text: the schemas' types are
 * applied by ajv's coercion, so `limit=5` meets `type: integer`.
 */
import type { ApiParameter } from "@turnpike/core";

/** What a parameter's schema holds, which decides how its text is split. */
export type ValueShape = "array" | "object" | "primitive";

/** Where parameter values come from, read once per request. */
export interface ParameterSources {
  readonly path: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly cookies: ReadonlyMap<string, string>;
}

/** The value read, `undefined` when the parameter is absent, or a problem (e.g. JSON that does not parse). */
export type ReadValue = { readonly value: unknown } | { readonly problem: string } | undefined;

function pairs(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < items.length; i += 2) out[items[i]!] = items[i + 1]!;
  return out;
}

function keyValues(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq === -1) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Splits `text` by `separator` into the parameter's shape. */
function split(text: string, separator: string, shape: ValueShape, explode: boolean): unknown {
  if (shape === "primitive") return text;
  const items = text === "" ? [] : text.split(separator);
  if (shape === "array") return items;
  return explode ? keyValues(items) : pairs(items);
}

/** `simple`, `label` and `matrix` path values (RFC 6570 styles). */
function pathValue(raw: string, parameter: ApiParameter, shape: ValueShape): unknown {
  const { style, explode, name } = parameter;
  if (style === "label") {
    const text = raw.startsWith(".") ? raw.slice(1) : raw;
    return split(text, explode ? "." : ",", shape, explode);
  }
  if (style === "matrix") {
    const parts = raw.split(";").filter((p) => p !== "");
    const prefix = `${name}=`;
    if (shape === "primitive") return parts[0]?.startsWith(prefix) ? parts[0].slice(prefix.length) : (parts[0] ?? "");
    if (explode) {
      if (shape === "array") return parts.map((p) => (p.startsWith(prefix) ? p.slice(prefix.length) : p));
      return keyValues(parts);
    }
    const value = parts[0]?.startsWith(prefix) ? parts[0].slice(prefix.length) : (parts[0] ?? "");
    return split(value, ",", shape, false);
  }
  return split(raw, ",", shape, explode);
}

/** Query values: `form` (default), `spaceDelimited`, `pipeDelimited` and `deepObject`. */
function queryValue(
  query: URLSearchParams,
  parameter: ApiParameter,
  shape: ValueShape,
  properties: readonly string[] | undefined,
): unknown {
  const { style, explode, name } = parameter;
  if (style === "deepObject") {
    const out: Record<string, unknown> = {};
    const prefix = `${name}[`;
    let found = false;
    for (const [key, value] of query) {
      if (!key.startsWith(prefix) || !key.endsWith("]")) continue;
      found = true;
      // `filter[a][b]=1` nests, as most deepObject writers do beyond the one level the spec shows.
      const path = key.slice(prefix.length, -1).split("][");
      let node = out;
      for (const segment of path.slice(0, -1)) {
        if (segment === "__proto__" || segment === "constructor" || segment === "prototype") break;
        const next = node[segment];
        node = (typeof next === "object" && next !== null ? next : (node[segment] = {})) as Record<string, unknown>;
      }
      const last = path.at(-1)!;
      if (last !== "__proto__" && last !== "constructor" && last !== "prototype") node[last] = value;
    }
    return found ? out : undefined;
  }
  if (shape === "object" && explode && style === "form") {
    // Each property is a query parameter of its own: `?role=admin&firstName=Alex`.
    const out: Record<string, string> = {};
    let found = false;
    for (const key of properties ?? []) {
      const value = query.get(key);
      if (value !== null) {
        out[key] = value;
        found = true;
      }
    }
    return found ? out : undefined;
  }
  const values = query.getAll(name);
  if (values.length === 0) return undefined;
  if (shape === "array") {
    const separator = style === "spaceDelimited" ? " " : style === "pipeDelimited" ? "|" : ",";
    return explode ? values : values.flatMap((v) => (v === "" ? [] : v.split(separator)));
  }
  return split(values[0]!, ",", shape, false);
}

/**
 * Reads one parameter.
 * @param properties the property names of an object parameter's schema (for exploded form objects)
 */
export function readParameter(
  parameter: ApiParameter,
  shape: ValueShape,
  sources: ParameterSources,
  properties?: readonly string[],
): ReadValue {
  let raw: string | undefined;
  switch (parameter.in) {
    case "path":
      raw = sources.path[parameter.name];
      break;
    case "header": {
      const value = sources.headers[parameter.name.toLowerCase()];
      raw = Array.isArray(value) ? value.join(", ") : value;
      break;
    }
    case "cookie":
      raw = sources.cookies.get(parameter.name);
      break;
    case "query":
      if (parameter.contentType === undefined) {
        const value = queryValue(sources.query, parameter, shape, properties);
        return value === undefined ? undefined : { value };
      }
      raw = sources.query.get(parameter.name) ?? undefined;
      break;
  }
  if (raw === undefined) return undefined;
  if (parameter.contentType !== undefined) {
    if (!/json/i.test(parameter.contentType)) return { value: raw };
    try {
      return { value: JSON.parse(raw) as unknown };
    } catch {
      return { problem: `must be ${parameter.contentType}` };
    }
  }
  if (parameter.in === "path") return { value: pathValue(raw, parameter, shape) };
  if (parameter.in === "header") return { value: split(raw, ",", shape, parameter.explode) };
  return { value: split(raw, ",", shape, parameter.explode) };
}

/** Parses a `Cookie` header into name → value (the first of repeated names). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name === "" || out.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // Kept as sent: a cookie value need not be percent-encoded.
    }
    out.set(name, value);
  }
  return out;
}
