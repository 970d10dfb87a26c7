/**
 * Reading a body's Content-Type: which bodies are JSON, and whether they are in the one charset bodies
 * are read in.
 */

/** The media type of a Content-Type value, lower-case, and its charset parameter if any. */
export function parseMediaType(value: string | string[] | number | undefined): { type: string; charset: string | undefined } | undefined {
  if (typeof value !== "string") return undefined;
  const [type, ...params] = value.split(";");
  let charset: string | undefined;
  for (const param of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(param);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { type: type!.trim().toLowerCase(), charset };
}

/** True for `application/json` and the `+json` types (`application/problem+json`). */
export function isJsonType(type: string): boolean {
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** True when a media type's charset (if given) is UTF-8, the only one bodies are read in. */
export function isUtf8Charset(media: { charset: string | undefined }): boolean {
  return media.charset === undefined || media.charset === "utf-8" || media.charset === "utf8";
}
