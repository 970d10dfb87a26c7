import { describe, expect, it } from "@jest/globals";
import { DEFAULT_MAX_BODY_DEPTH, jsonDepthExceeds, parseJsonBody } from "../../src/http/json-body.js";

const bytes = (text: string) => Buffer.from(text, "utf8");
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("jsonDepthExceeds", () => {
  it("counts objects and arrays, each level once", () => {
    expect(jsonDepthExceeds(bytes('{"a":[1,{"b":{}}]}'), 4)).toBe(false);
    expect(jsonDepthExceeds(bytes('{"a":[1,{"b":{}}]}'), 3)).toBe(true);
    // Siblings do not add up: depth is the deepest path, not the count of containers.
    expect(jsonDepthExceeds(bytes("[[],[],[],[],[]]"), 2)).toBe(false);
    expect(jsonDepthExceeds(bytes(nested(64)), 64)).toBe(false);
    expect(jsonDepthExceeds(bytes(nested(65)), 64)).toBe(true);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepthExceeds(bytes(`{"s":"${"[".repeat(100)}"}`), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes(`{"s":"\\"${"{".repeat(100)}\\\\"}`), 1)).toBe(false);
    // After an escaped backslash the quote closes the string: the brackets that follow count.
    expect(jsonDepthExceeds(bytes(`["\\\\",[[]]]`), 2)).toBe(true);
    expect(jsonDepthExceeds(bytes(`["é[[[",{}]`), 2)).toBe(false);
  });
});

describe("parseJsonBody", () => {
  it("parses what fits and refuses a nesting bomb unparsed", () => {
    expect(parseJsonBody(bytes('{"a":[1]}'), DEFAULT_MAX_BODY_DEPTH)).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJsonBody(bytes(nested(5000)), DEFAULT_MAX_BODY_DEPTH)).toEqual({ ok: false, reason: "too-deep", maxDepth: 64 });
  });

  it("reports text that is not JSON, or not UTF-8, without throwing", () => {
    const truncated = parseJsonBody(bytes('{"a":'), 64);
    expect(truncated).toMatchObject({ ok: false, reason: "invalid" });
    expect(parseJsonBody(Buffer.from([0x22, 0xff, 0x22]), 64)).toMatchObject({ ok: false, reason: "invalid" });
  });
});
