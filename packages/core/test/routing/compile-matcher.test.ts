import { describe, expect, it } from "@jest/globals";
import { compileMatcher, type ApiEndpointConfig } from "@turnpike/core";

function endpoint(name: string, rule: Partial<ApiEndpointConfig>): ApiEndpointConfig {
  return { name, paths: ["/*"], scopes: [], path: `apiEndpoints.${name}`, ...rule };
}

function matcherOf(...endpoints: ApiEndpointConfig[]) {
  return compileMatcher(endpoints.map((e) => ({ endpoint: e, target: e.name })));
}

describe("compileMatcher", () => {
  it("matches exact paths with an optional trailing slash, case-insensitively", () => {
    const m = matcherOf(endpoint("users", { paths: ["/users"] }));
    for (const path of ["/users", "/users/", "/USERS"]) expect(m.match("", "GET", path)?.target).toBe("users");
    for (const path of ["/users/1", "/user", "/usersx"]) expect(m.match("", "GET", path)).toBeUndefined();
  });

  it("matches wildcards as Express 4 did: /users/* is everything below /users/, not /users itself", () => {
    const m = matcherOf(endpoint("sub", { paths: ["/users/*"] }));
    expect(m.match("", "GET", "/users/1/orders")?.params).toEqual({ "0": "1/orders" });
    expect(m.match("", "GET", "/users/")).toBeDefined();
    expect(m.match("", "GET", "/users")).toBeUndefined();
    expect(matcherOf(endpoint("all", {})).match("", "GET", "/")).toBeDefined();
  });

  it("captures and decodes :params, keeping %2F inside one segment", () => {
    const m = matcherOf(endpoint("user", { paths: ["/users/:id/orders/:order?"] }));
    expect(m.match("", "GET", "/users/a%2Fb/orders")?.params).toEqual({ id: "a/b" });
    expect(m.match("", "GET", "/users/7/orders/9")).toMatchObject({ params: { id: "7", order: "9" }, route: "/users/:id/orders/:order?" });
    expect(m.match("", "GET", "/users/7/8/orders")).toBeUndefined();
  });

  it("matches hosts exactly, one label under *.domain, or any", () => {
    const m = matcherOf(
      endpoint("exact", { host: "api.example.com", paths: ["/e"] }),
      endpoint("wild", { host: "*.example.com", paths: ["/w"] }),
      endpoint("any", { host: "*", paths: ["/a"] }),
    );
    expect(m.match("api.example.com", "GET", "/e")?.target).toBe("exact");
    expect(m.match("www.example.com", "GET", "/e")).toBeUndefined();
    expect(m.match("a.example.com", "GET", "/w")?.target).toBe("wild");
    expect(m.match("example.com", "GET", "/w")).toBeUndefined();
    expect(m.match("a.b.example.com", "GET", "/w")).toBeUndefined();
    expect(m.match("anything", "GET", "/a")?.target).toBe("any");
    expect(m.match("", "GET", "/a")?.target).toBe("any");
  });

  it("treats a method mismatch as no match (404), and lets GET routes answer HEAD", () => {
    const m = matcherOf(endpoint("read", { paths: ["/x"], methods: ["GET"] }), endpoint("write", { paths: ["/x"], methods: ["POST"] }));
    expect(m.match("", "GET", "/x")?.target).toBe("read");
    expect(m.match("", "HEAD", "/x")?.target).toBe("read");
    expect(m.match("", "POST", "/x")?.target).toBe("write");
    expect(m.match("", "DELETE", "/x")).toBeUndefined();
  });

  it("gives precedence to configuration order across indexed and wildcard rules", () => {
    const m = matcherOf(endpoint("catchall", { paths: ["/*"] }), endpoint("users", { paths: ["/users"] }));
    expect(m.match("", "GET", "/users")?.target).toBe("catchall");
    const n = matcherOf(
      endpoint("users", { paths: ["/users"] }),
      endpoint("catchall", { paths: ["/*"] }),
      endpoint("later", { paths: ["/users"] }),
    );
    expect(n.match("", "GET", "/users")?.target).toBe("users");
    expect(n.match("", "GET", "/other")?.target).toBe("catchall");
  });

  it("supports Express Gateway's pathRegex and hostRegex", () => {
    const m = matcherOf(endpoint("re", { paths: [], pathRegex: "^/v[0-9]+/", hostRegex: "^api\\d\\.local$" }));
    expect(m.match("api1.local", "GET", "/v2/x")?.route).toBeUndefined();
    expect(m.match("api1.local", "GET", "/v2/x")?.target).toBe("re");
    expect(m.match("api1.local", "GET", "/x/v2/")).toBeUndefined();
    expect(m.match("www.local", "GET", "/v2/x")).toBeUndefined();
  });
});
