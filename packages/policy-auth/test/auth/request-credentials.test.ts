import { describe, expect, it } from "@jest/globals";
import type { IncomingMessage } from "node:http";
import { DUPLICATE, headerCount, singleHeader, singleQueryParam, withoutQueryParam } from "../../src/auth/request-credentials.js";

const req = (rawHeaders: string[]): IncomingMessage => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!;
  return { rawHeaders, headers } as unknown as IncomingMessage;
};

describe("reading credentials from a request", () => {
  it("counts raw header lines case-insensitively and refuses repeated ones", () => {
    const r = req(["Host", "x", "authorization", "a", "AUTHORIZATION", "b"]);
    expect(headerCount(r, "authorization")).toBe(2);
    expect(singleHeader(r, "authorization")).toBe(DUPLICATE);
    expect(singleHeader(req(["Authorization", "a"]), "authorization")).toBe("a");
    expect(singleHeader(req(["Host", "x"]), "authorization")).toBeUndefined();
  });

  it("finds one query parameter, decoding names and values", () => {
    expect(singleQueryParam("/p?apiKey=a%3Ab", "apiKey")).toBe("a:b");
    expect(singleQueryParam("/p?x=1&api%4Bey=k&y", "apiKey")).toBe("k");
    expect(singleQueryParam("/p?x=a+b&apiKey=c+d", "apiKey")).toBe("c d");
    expect(singleQueryParam("/p?apiKeys=1&&apiKe=2", "apiKey")).toBeUndefined();
    expect(singleQueryParam("/p", "apiKey")).toBeUndefined();
    expect(singleQueryParam("/p?apiKey", "apiKey")).toBe("");
    expect(singleQueryParam("/p?apiKey=a&apiKey=a", "apiKey")).toBe(DUPLICATE);
    expect(singleQueryParam("/p?apiKey=%zz", "apiKey")).toBe(DUPLICATE);
  });

  it("removes a parameter, keeping the others exactly as sent and in order", () => {
    expect(withoutQueryParam("/p?b=%41&apiKey=k&a=1&b=2", "apiKey")).toBe("/p?b=%41&a=1&b=2");
    expect(withoutQueryParam("/p?apiKey=k", "apiKey")).toBe("/p");
    expect(withoutQueryParam("/p?api%4Bey=k&z", "apiKey")).toBe("/p?z");
    expect(withoutQueryParam("/p", "apiKey")).toBe("/p");
  });
});
