import { describe, expect, it } from "@jest/globals";
import { canonicalizeTarget, GatewayError, normalizeHost, isGatewayError } from "@turnpike/core";

function target(url: string) {
  const result = canonicalizeTarget(url);
  if (isGatewayError(result)) throw result;
  return result;
}

describe("canonicalizeTarget", () => {
  it("keeps an ordinary path and query byte for byte", () => {
    expect(target("/users/42?b=2&a=%2F")).toEqual({ path: "/users/42", matchPath: "/users/42", query: "?b=2&a=%2F" });
  });

  it.each([
    ["/public/../admin", "/admin"],
    ["/public/%2e%2e/admin", "/admin"],
    ["/public/%2E%2e/admin", "/admin"],
    ["/public/.%2e/admin", "/admin"],
    ["/a/./b/", "/a/b/"],
    ["/a/b/..", "/a/"],
    ["/..", "/"],
    ["/../../etc", "/etc"],
    ["/a/.well-known/x", "/a/.well-known/x"],
  ])("removes dot segments: %s -> %s", (url, path) => {
    expect(target(url).path).toBe(path);
  });

  it("never decodes %2F, so an encoded slash is not a segment separator", () => {
    const t = target("/public/..%2Fadmin");
    expect(t.path).toBe("/public/..%2Fadmin");
    expect(t.matchPath).toBe("/public/..%2Fadmin");
  });

  it("decodes unreserved characters for matching only", () => {
    const t = target("/%61dmin/%7e%20x");
    expect(t.path).toBe("/%61dmin/%7e%20x");
    expect(t.matchPath).toBe("/admin/~%20x");
  });

  it.each(["/a%", "/a%2", "/a%zz/b", "/a%00b"])("rejects malformed or NUL escapes in %s with 400", (url) => {
    const result = canonicalizeTarget(url);
    expect(result).toBeInstanceOf(GatewayError);
    expect((result as GatewayError).status).toBe(400);
  });

  it("does not judge the query's escapes", () => {
    expect(target("/a?x=%zz").query).toBe("?x=%zz");
  });

  it("accepts absolute-form targets and reports their authority", () => {
    expect(target("http://Example.com:8080/x/../y?q")).toEqual({ path: "/y", matchPath: "/y", query: "?q", authority: "Example.com:8080" });
    expect(target("http://example.com").path).toBe("/");
  });

  it("rejects targets that are neither origin-form nor absolute-form", () => {
    expect(canonicalizeTarget("*")).toBeInstanceOf(GatewayError);
    expect(canonicalizeTarget("/a#frag")).toBeInstanceOf(GatewayError);
  });
});

describe("normalizeHost", () => {
  it.each([
    ["Example.COM", "example.com"],
    ["example.com:8080", "example.com"],
    ["example.com.", "example.com"],
    ["EXAMPLE.com.:443", "example.com"],
    ["[::1]:8080", "[::1]"],
    [undefined, ""],
  ])("%s -> %s", (input, output) => {
    expect(normalizeHost(input)).toBe(output);
  });
});
