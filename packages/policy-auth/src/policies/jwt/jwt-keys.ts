/**
 * Turning the `jwt` options into a verification key and a pinned list of algorithms, at load time.
 *
 * The rules that stop the classic JWT attacks:
 * - `none` is not an accepted algorithm (the schema does not offer it).
 * - A public key (or JWKS) requires `algorithms` and may not list an HMAC algorithm, so a token signed
 *   with HS256 using the public key as the secret is rejected; the key is a `KeyObject` of type
 *   `public`, which jsonwebtoken also refuses to use as an HMAC secret.
 * - A secret may only be used with HMAC algorithms.
 * - Each asymmetric algorithm must fit the key (RS and PS: RSA; ES256/384/512: the matching curve).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import type { ConfigProblem } from "@turnpike/core";
import { JWT_ALGORITHMS, type JwtAlgorithm, type JwtOptions } from "./jwt-schema.js";

const HMAC: readonly JwtAlgorithm[] = ["HS256", "HS384", "HS512"];
const CURVES: Record<string, string> = { ES256: "prime256v1", ES384: "secp384r1", ES512: "secp521r1" };

/** The verification material of a `jwt` policy. */
export type JwtKey =
  { kind: "static"; key: KeyObject; algorithms: JwtAlgorithm[] } | { kind: "jwks"; uri: string; algorithms: JwtAlgorithm[] };

/** What {@link resolveJwtKey} reports. */
export interface JwtKeyResult {
  key?: JwtKey;
  problems: ConfigProblem[];
  warnings: string[];
}

function fits(algorithm: JwtAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (algorithm.startsWith("RS") || algorithm.startsWith("PS")) return type === "rsa" || (algorithm.startsWith("PS") && type === "rsa-pss");
  if (algorithm.startsWith("ES")) return type === "ec" && key.asymmetricKeyDetails?.namedCurve === CURVES[algorithm];
  return false;
}

/**
 * The asymmetric algorithms a PEM public key (or certificate) can verify, in {@link JWT_ALGORITHMS}
 * order; undefined when `pem` is not a readable public key. `turnpike migrate` pins these for Express
 * Gateway files, which accepted every algorithm a key fitted.
 */
export function algorithmsForPublicKey(pem: string): JwtAlgorithm[] | undefined {
  try {
    const key = createPublicKey(pem);
    return JWT_ALGORITHMS.filter((a) => fits(a, key));
  } catch {
    return undefined;
  }
}

/**
 * Reads and checks the key options.
 * @param at the policy's config path, for problems
 * @param baseDir where `secretOrPublicKeyFile` is resolved from
 */
export function resolveJwtKey(options: JwtOptions, at: string, baseDir: string): JwtKeyResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const given = (["secretOrPublicKey", "secretOrPublicKeyFile", "jwksUri"] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    problems.push({
      path: at,
      message:
        given.length === 0 ? "needs one of secretOrPublicKey, secretOrPublicKeyFile or jwksUri" : `takes only one of ${given.join(", ")}`,
    });
    return { problems, warnings };
  }

  if (options.jwksUri !== undefined) {
    if (!options.algorithms)
      problems.push({ path: `${at}.algorithms`, message: "is required with jwksUri (pin the algorithms your issuer uses)" });
    else if (options.algorithms.some((a) => HMAC.includes(a)))
      problems.push({ path: `${at}.algorithms`, message: "cannot include HMAC algorithms with jwksUri (public keys only)" });
    return problems.length > 0
      ? { problems, warnings }
      : { key: { kind: "jwks", uri: options.jwksUri, algorithms: options.algorithms! }, problems, warnings };
  }

  let material: string;
  let where: string;
  if (options.secretOrPublicKeyFile !== undefined) {
    where = `${at}.secretOrPublicKeyFile`;
    const file = path.resolve(baseDir, options.secretOrPublicKeyFile);
    try {
      material = readFileSync(file, "utf8");
    } catch (err) {
      problems.push({ path: where, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return { problems, warnings };
    }
  } else {
    where = `${at}.secretOrPublicKey`;
    material = options.secretOrPublicKey!;
  }

  if (material.includes("-----BEGIN")) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(material)) {
      problems.push({ path: where, message: "is a private key: give the public key (or certificate); the gateway only verifies" });
      return { problems, warnings };
    }
    let key: KeyObject;
    try {
      key = createPublicKey(material);
    } catch {
      problems.push({ path: where, message: "is not a readable PEM public key or certificate" });
      return { problems, warnings };
    }
    if (!options.algorithms) {
      // Express Gateway did not ask for this; say exactly what to add so a migrated file is a one-line fix.
      const usable = algorithmsForPublicKey(material) ?? [];
      problems.push({
        path: `${at}.algorithms`,
        message: `is required with a public key: pin the algorithms your issuer signs with (this ${key.asymmetricKeyType} key can verify ${usable.join(", ")}), e.g. algorithms: [${usable[0]}]`,
      });
      return { problems, warnings };
    }
    if (options.algorithms.some((a) => HMAC.includes(a))) {
      problems.push({
        path: `${at}.algorithms`,
        message: "cannot include HMAC algorithms with a public key (tokens signed with the public key as an HMAC secret would be accepted)",
      });
      return { problems, warnings };
    }
    const misfit = options.algorithms.filter((a) => !fits(a, key));
    if (misfit.length > 0) {
      problems.push({
        path: `${at}.algorithms`,
        message: `${misfit.join(", ")} cannot be verified with this ${key.asymmetricKeyType} key`,
      });
      return { problems, warnings };
    }
    return { key: { kind: "static", key, algorithms: options.algorithms }, problems, warnings };
  }

  const algorithms = options.algorithms ?? [...HMAC];
  const asymmetric = algorithms.filter((a) => !HMAC.includes(a));
  if (asymmetric.length > 0) {
    problems.push({ path: `${at}.algorithms`, message: `${asymmetric.join(", ")} need a public key, but a secret was given` });
    return { problems, warnings };
  }
  const secret = Buffer.from(material, "utf8");
  if (secret.length < 32)
    warnings.push(`${where.slice(at.length + 1)} is shorter than 32 bytes: an HMAC secret that short can be brute-forced from one token`);
  return { key: { kind: "static", key: createSecretKey(secret), algorithms }, problems, warnings };
}
