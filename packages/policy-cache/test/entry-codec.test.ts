/**
 * The byte form of entries in Redis.
 */
import { describe, expect, it } from "@jest/globals";
import { makeEntry } from "../src/entry/cached-entry.js";
import { decodeEntry, encodeEntry } from "../src/entry/entry-codec.js";

describe("entry codec", () => {
  it("round-trips every field, derived ones included, and the body byte for byte", () => {
    const plan = {
      responseTime: 1000,
      initialAge: 3,
      freshUntil: 61_000,
      staleWhileRevalidateUntil: 71_000,
      staleIfErrorUntil: 91_000,
      expiresAt: 91_000,
      shareable: true,
      vary: ["accept-language"],
    };
    const body = Buffer.from([0, 1, 2, 255, 254, 0x7b]);
    const entry = makeEntry(
      200,
      ["content-type", "etag", "last-modified", "link"],
      ["application/octet-stream", '"v1"', "Tue, 15 Nov 1994 12:45:26 GMT", ["<a>", "<b>"]],
      body,
      plan,
    );
    const decoded = decodeEntry(encodeEntry(entry))!;
    expect({ ...decoded, body: decoded.body.toString("hex") }).toEqual({ ...entry, body: body.toString("hex") });
    expect(decoded.notModified).toEqual([1, 2]);
    expect(decoded.modifiedTime).toBe(Date.parse("Tue, 15 Nov 1994 12:45:26 GMT"));
  });

  it("reads anything malformed as no entry", () => {
    expect(decodeEntry(Buffer.from([0, 0]))).toBeUndefined();
    expect(decodeEntry(Buffer.from([0, 0, 0, 50, 123]))).toBeUndefined();
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from("{x}")]);
    expect(decodeEntry(notJson)).toBeUndefined();
    const wrongShape = Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from("{}")]);
    expect(decodeEntry(wrongShape)).toBeUndefined();
  });
});
