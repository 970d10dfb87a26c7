/**
 * OpenAPI path templates (`/pets/{petId}`, `/files/{name}.{ext}`, `/raw/{+path}`): parsed once at load
 * into segments the matcher indexes and a regex that extracts the parameters.
 */

/** One `/`-separated segment of a template. */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly text: string }
  /** The whole segment is one parameter: `{petId}`. */
  | { readonly kind: "param"; readonly name: string }
  /** Literal text and parameters within one segment: `{name}.{ext}`, `report.{format}`. */
  | { readonly kind: "mixed"; readonly parts: readonly (string | { readonly name: string })[] }
  /** RFC 6570 reserved expansion `{+path}`: the rest of the path, slashes included (last segment only). */
  | { readonly kind: "rest"; readonly name: string };

/** A parsed template. */
export interface PathTemplate {
  readonly segments: readonly TemplateSegment[];
  /** Parameter names in order of appearance. */
  readonly names: readonly string[];
  /** Anchored, case-insensitive regex over the whole path; group i captures `names[i]`. */
  readonly regex: RegExp;
}

const NAME = /^[^{}/]+$/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Parses a path template.
 * @returns the template, or a message saying what is wrong with it (an unclosed `{`, an empty name...).
 */
export function parsePathTemplate(template: string): PathTemplate | string {
  if (!template.startsWith("/")) return "a path must start with /";
  const raw = template.length > 1 && template.endsWith("/") ? template.slice(0, -1) : template;
  const segments: TemplateSegment[] = [];
  const names: string[] = [];
  let source = "";
  const texts = raw === "/" ? [] : raw.slice(1).split("/");
  for (const [index, text] of texts.entries()) {
    const parts: (string | { name: string })[] = [];
    let rest = text;
    while (rest !== "") {
      const open = rest.indexOf("{");
      const close = rest.indexOf("}");
      if (close !== -1 && (open === -1 || close < open)) return `unmatched } in segment ${JSON.stringify(text)}`;
      if (open === -1) {
        parts.push(rest);
        break;
      }
      if (close === -1) return `unclosed { in segment ${JSON.stringify(text)}`;
      if (open > 0) parts.push(rest.slice(0, open));
      const name = rest.slice(open + 1, close);
      if (name.includes("{")) return `nested { in segment ${JSON.stringify(text)}`;
      if (name === "" || name === "+" || !NAME.test(name)) return `empty or invalid parameter name in segment ${JSON.stringify(text)}`;
      parts.push({ name });
      rest = rest.slice(close + 1);
    }
    const params = parts.filter((p): p is { name: string } => typeof p !== "string");
    for (const { name } of params) {
      const plain = name.startsWith("+") ? name.slice(1) : name;
      if (names.includes(plain)) return `parameter ${JSON.stringify(plain)} appears twice`;
      names.push(plain);
    }
    const reserved = params.find((p) => p.name.startsWith("+"));
    if (reserved !== undefined) {
      if (parts.length !== 1 || index !== texts.length - 1) return `{${reserved.name}} must be the whole last segment`;
      segments.push({ kind: "rest", name: reserved.name.slice(1) });
      source += "/(.+?)";
      continue;
    }
    if (parts.length === 1 && typeof parts[0] !== "string" && parts[0] !== undefined) {
      segments.push({ kind: "param", name: parts[0].name });
      source += "/([^/]+)";
    } else if (params.length === 0) {
      segments.push({ kind: "literal", text });
      source += `/${escapeRegex(text)}`;
    } else {
      segments.push({ kind: "mixed", parts });
      // Lazy groups: `{name}.{ext}` splits `a.b.c` as name `a`, ext `b.c`, as most routers do.
      source += `/${parts.map((p) => (typeof p === "string" ? escapeRegex(p) : "([^/]+?)")).join("")}`;
    }
  }
  return { segments, names, regex: new RegExp(`^${source}/?$`, "i") };
}

/** Joins a base path and a template: `("/api/", "/pets")` → `/api/pets`; `("/", "/pets")` → `/pets`. */
export function joinBasePath(basePath: string, template: string): string {
  const base = basePath.endsWith("/") ? basePath.slice(0, -1) : basePath;
  return template === "/" && base !== "" ? base : `${base}${template}`;
}
