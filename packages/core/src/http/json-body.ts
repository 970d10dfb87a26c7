/**
 * The one owner of how policies parse JSON bodies: a nesting-depth limit checked before any parse.
 *
 * `JSON.stringify` recurses once per nesting level, and so does most code that walks a parsed value
 * (validators, `structuredClone`, a logger): a 10 KB body of `[[[[…` parses, then exhausts the stack
 * wherever it is next walked (a `RangeError` thrown far from any error handler). A linear scan of the
 * bytes, counting `[` and `{` outside strings, costs far less than the parse and refuses such a body
 * before it exists as an object. Every policy that reads JSON (transformers, validators, aggregators) parses through
 * {@link parseJsonBody}, so they all share the limit and its option.
 */

/** The `maxBodyDepth` used when a policy's options leave it out. */
export const DEFAULT_MAX_BODY_DEPTH = 64;

/**
 * JSON Schema of a `maxBodyDepth` option, for a body-reading policy's schema.
 * @param consequence what happens to a deeper body, completing the description.
 */
export function maxBodyDepthSchema(consequence: string) {
  return {
    type: "integer",
    minimum: 1,
    maximum: 1000,
    default: DEFAULT_MAX_BODY_DEPTH,
    description: `Deepest nesting of objects and arrays read in a JSON body (\`{"a":[1]}\` is 2 levels). ${consequence}`,
  } as const;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, by one pass over the bytes that
 * counts brackets outside strings. It does not check that the text is JSON: the parse that follows does.
 * Bytes of multi-byte UTF-8 sequences are all ≥ 0x80, so they never look like brackets or quotes.
 */
export function jsonDepthExceeds(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** A parsed JSON body, or why it could not be parsed. */
export type JsonBodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: "invalid"; readonly error: Error }
  | { readonly ok: false; readonly reason: "too-deep"; readonly maxDepth: number };

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a JSON body strictly (UTF-8, no replacement characters), refusing it unparsed when it nests
 * deeper than `maxDepth`. Never throws.
 */
export function parseJsonBody(bytes: Uint8Array, maxDepth: number): JsonBodyResult {
  if (jsonDepthExceeds(bytes, maxDepth)) return { ok: false, reason: "too-deep", maxDepth };
  try {
    return { ok: true, value: JSON.parse(UTF8.decode(bytes)) };
  } catch (err) {
    return { ok: false, reason: "invalid", error: err instanceof Error ? err : new Error(String(err)) };
  }
}
