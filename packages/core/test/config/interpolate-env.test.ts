import { describe, expect, it } from "@jest/globals";
import { interpolateEnv } from "@turnpike/core";

describe("interpolateEnv", () => {
  const env = { PORT: "9000", EMPTY: "", SECRET: "s3cr3t" };

  it("replaces ${VAR} and ${VAR:-default}", () => {
    expect(interpolateEnv("port: ${PORT}\nhost: ${HOST:-127.0.0.1}\nx: ${EMPTY:-fallback}", env).text).toBe(
      "port: 9000\nhost: 127.0.0.1\nx: fallback",
    );
  });

  it("reports unset variables without a default and uses an empty value", () => {
    const result = interpolateEnv("token: '${MISSING}'", env);
    expect(result).toEqual({ text: "token: ''", missing: ["MISSING"] });
  });

  it("escapes with $${", () => {
    expect(interpolateEnv("a: $${PORT} b: $${req.ip}", env).text).toBe("a: ${PORT} b: ${req.ip}");
  });

  it("leaves template expressions for the template compiler", () => {
    expect(interpolateEnv('rateLimitBy: "${req.user.id}" message: "${requestID}"', env).text).toBe(
      'rateLimitBy: "${req.user.id}" message: "${requestID}"',
    );
  });

  it("does not rescan substituted values", () => {
    expect(interpolateEnv("x: ${A}", { A: "${SECRET}" }).text).toBe("x: ${SECRET}");
  });
});
