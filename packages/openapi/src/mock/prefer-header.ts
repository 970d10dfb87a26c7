/**
 * The `Prefer` request header (RFC 7240) as mock servers read it (Prism's convention):
 * `Prefer: code=404`, `Prefer: example=cat`, both in one header or several.
 */

/** Preferences a mock honours. */
export interface MockPreferences {
  /** The response status to answer with. */
  readonly code: number | undefined;
  /** The name of the documented example to answer with. */
  readonly example: string | undefined;
}

/** Reads `code` and `example` preferences; other preferences and malformed ones are ignored. */
export function parsePrefer(header: string | string[] | undefined): MockPreferences {
  let code: number | undefined;
  let example: string | undefined;
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const preference of value.split(",")) {
      // A preference's own parameters (`; ...`) are not used here.
      const [head = ""] = preference.split(";", 1);
      const eq = head.indexOf("=");
      if (eq === -1) continue;
      const name = head.slice(0, eq).trim().toLowerCase();
      let text = head.slice(eq + 1).trim();
      if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1);
      if (name === "code" && /^[1-5]\d\d$/.test(text)) code ??= Number(text);
      else if (name === "example" && text !== "") example ??= text;
    }
  }
  return { code, example };
}
