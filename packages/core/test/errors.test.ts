import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  ConfigError,
  createGateway,
  definePolicy,
  ERROR_CODES,
  GatewayError,
  isConfigError,
  isGatewayError,
  silentLogger,
  type ErrorCode,
} from "@turnpike/core";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import request from "supertest";
import ts from "typescript";
import { renderErrorReference } from "../../../scripts/error-reference.mjs";
import type * as CoreErrors from "../src/errors.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

/** Every `.ts`/`.js` source file of the packages and examples (tests, builds and dependencies left out). */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", "test"].includes(entry.name) || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(full);
  }
  return files;
}

/**
 * Scans the sources: the code of every `new GatewayError("CODE", ...)`, and every `x instanceof
 * GatewayError` or `instanceof ConfigError` (comments are not code).
 */
function scanSources(): { raised: { code: string; at: string }[]; instanceofChecks: string[] } {
  const found: { code: string; at: string }[] = [];
  const instanceofChecks: string[] = [];
  for (const file of [...sourceFiles(path.join(root, "packages")), ...sourceFiles(path.join(root, "examples"))]) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("GatewayError") && !text.includes("ConfigError")) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword &&
        ts.isIdentifier(node.right) &&
        (node.right.text === "GatewayError" || node.right.text === "ConfigError")
      ) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        instanceofChecks.push(`${path.relative(root, file)}:${line}: ${node.getText(source)}`);
      }
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "GatewayError") {
        const first = node.arguments?.[0];
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        const at = `${path.relative(root, file)}:${line}`;
        // A computed code would escape this check: the table is only enforced if codes are literals.
        if (first === undefined || !ts.isStringLiteralLike(first)) found.push({ code: `<not a literal: ${first?.getText(source)}>`, at });
        else found.push({ code: first.text, at });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { raised: found, instanceofChecks };
}

describe("the error table", () => {
  it("gives every code an error status, a default message and when it happens", () => {
    for (const code of codes) {
      const entry = ERROR_CODES[code];
      expect([code, Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599]).toEqual([code, true]);
      expect([code, entry.message.length > 0, entry.when.length > 20]).toEqual([code, true, true]);
    }
  });

  it("documents every code in docs/errors.md, which is what the table renders", () => {
    const doc = readFileSync(path.join(root, "docs/errors.md"), "utf8");
    for (const code of codes) expect(doc).toContain(`| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].message} |`);
    // `npm test` also runs scripts/generated-docs.mjs --check on the build; this renders from the source.
    expect(doc).toBe(renderErrorReference(ERROR_CODES));
  });

  it("has every code the packages raise, and no code that nothing raises", () => {
    const { raised } = scanSources();
    expect(raised.length).toBeGreaterThan(codes.length);
    const unknown = raised.filter((r) => !(r.code in ERROR_CODES));
    expect(unknown).toEqual([]);
    const used = new Set(raised.map((r) => r.code));
    expect(codes.filter((code) => !used.has(code))).toEqual([]);
  });
});

describe("recognising errors in the sources", () => {
  it("uses isGatewayError and isConfigError, never instanceof (another copy of core would not match)", () => {
    expect(scanSources().instanceofChecks).toEqual([]);
  });
});

describe("GatewayError", () => {
  it("takes a known code's status and message from the table, and overrides on request", () => {
    const plain = new GatewayError("UPSTREAM_TIMEOUT");
    expect([plain.status, plain.message, plain.code]).toEqual([504, ERROR_CODES.UPSTREAM_TIMEOUT.message, "UPSTREAM_TIMEOUT"]);
    expect(new GatewayError("RATE_LIMITED", "slow down", { status: 503 }).status).toBe(503);
  });

  it("requires a status for a code outside the table (a plugin's own)", () => {
    const own = new GatewayError("PAYMENT_REQUIRED", "No calls left on this plan", { status: 402 });
    expect([own.status, own.code, own.message]).toEqual([402, "PAYMENT_REQUIRED", "No calls left on this plan"]);
    // @ts-expect-error a code outside the table without a status does not compile
    const untyped = new GatewayError("PAYMENT_REQUIRED");
    // @ts-expect-error nor with options that lack the status
    const withoutStatus = new GatewayError("PAYMENT_REQUIRED", "No calls left", { quiet: true });
    // JavaScript callers escape the type check: such an error is a 500.
    expect([untyped.status, withoutStatus.status]).toEqual([500, 500]);
  });
});

describe("recognising errors from another copy of @turnpike/core", () => {
  // A plugin that resolves its own @turnpike/core gets classes distinct from the gateway's: a second
  // module instance of errors.ts, loaded from another path, is such a copy.
  let dir: string;
  let copy: typeof CoreErrors;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-core-copy-"));
    copyFileSync(path.join(root, "packages/core/src/errors.ts"), path.join(dir, "errors.ts"));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    copy = (await import(pathToFileURL(path.join(dir, "errors.ts")).href)) as typeof CoreErrors;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is a distinct class that isGatewayError and isConfigError still recognise", () => {
    const gatewayError = new copy.GatewayError("UNAUTHORIZED");
    const configError = new copy.ConfigError([{ path: "x", message: "bad" }]);
    expect(gatewayError instanceof GatewayError).toBe(false);
    expect([isGatewayError(gatewayError), isConfigError(configError)]).toEqual([true, true]);
    expect([isGatewayError(configError), isConfigError(gatewayError), isGatewayError({ code: "UNAUTHORIZED", status: 401 })]).toEqual([
      false,
      false,
      false,
    ]);
    expect([copy.isGatewayError(new GatewayError("NOT_FOUND")), copy.isConfigError(new ConfigError([]))]).toEqual([true, true]);
  });

  it("answers a policy's error from the other copy with its own status and code, not a 500", async () => {
    const refuse = definePolicy({
      name: "refuse",
      schema: { type: "object" },
      create: () => (_req, _res, next) => next(new copy.GatewayError("PAYMENT_REQUIRED", "No calls left", { status: 402 })),
    });
    const gw = await createGateway({
      config: { apiEndpoints: { api: { paths: ["/*"] } }, pipelines: { p: { apiEndpoints: ["api"], policies: [{ refuse: {} }] } } },
      policies: [refuse],
      logger: silentLogger,
    });
    try {
      const res = await request(gw.app).get("/x");
      expect(res.status).toBe(402);
      expect(res.body).toEqual({ error: { status: 402, code: "PAYMENT_REQUIRED", message: "No calls left" } });
    } finally {
      await gw.close();
    }
  });

  it("reports a policy's configuration problems from the other copy at their paths", async () => {
    const strict = definePolicy({
      name: "strict",
      schema: { type: "object" },
      create: (_options, ctx) => {
        throw new copy.ConfigError([{ path: `${ctx.path}.mode`, message: "is not supported here" }]);
      },
    });
    const attempt = createGateway({
      config: { apiEndpoints: { api: { paths: ["/*"] } }, pipelines: { p: { apiEndpoints: ["api"], policies: [{ strict: {} }] } } },
      policies: [strict],
      logger: silentLogger,
    });
    await expect(attempt).rejects.toMatchObject({
      problems: [{ path: "pipelines.p.policies[0].strict.mode", message: "is not supported here" }],
    });
  });
});
