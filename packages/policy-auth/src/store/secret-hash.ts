/**
 * Secrets at rest and their verification.
 *
 * Stored formats (the `secretHash` of a stored credential):
 * - `scrypt$N$r$p$<salt>$<hash>` for passwords and for key secrets the caller chose: their entropy is
 *   unknown, so they get a memory-hard hash (N=16384, r=8, p=1, 16-byte salt, 32-byte output).
 * - `sha256$<salt>$<hmac>` (HMAC-SHA256 keyed with a random 16-byte salt) for key secrets Turnpike
 *   generated: 256 random bits cannot be brute-forced whatever the hash speed, so a slow hash would add
 *   cost without adding safety; the salt keeps equal secrets from having equal hashes.
 * - `declared$<digest>` for credentials declared in the configuration (which holds the clear secret
 *   anyway): a digest keyed with this process's random key, never written anywhere.
 * - `bcrypt$<bcrypt hash>` for passwords imported from Express Gateway (`turnpike migrate`), which
 *   stored them as bcrypt hashes (`$2a$10$...`): kept as they are so the passwords keep working. Never
 *   written for new credentials.
 *
 * The data plane never runs scrypt per request: after a stored secret has been verified once, it keeps
 * a digest of it keyed with the per-process key ({@link processDigest}), and later requests compare one
 * SHA-256 digest with `timingSafeEqual`. Declared secrets are compared with {@link constantTimeEqual}
 * against the configuration's own copy. No comparison stops at the first differing byte.
 */
import bcrypt from "bcryptjs";
import { createHmac, hash, randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from "node:crypto";

const SCRYPT_N = 16384;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

// Random per process: digests made with it mean nothing outside this process's memory.
const PROCESS_KEY = randomBytes(32).toString("base64");

function scryptAsync(secret: BinaryLike, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const b64 = (buf: Buffer): string => buf.toString("base64url");
const unb64 = (text: string): Buffer => Buffer.from(text, "base64url");

/** A random secret: `bytes` random bytes, base64url (no `:`, safe in headers and URLs). */
export function generateSecret(bytes = 32): string {
  return b64(randomBytes(bytes));
}

/**
 * A random key id: 16 random bytes in hex (32 characters). Not base64url: an id starting with `-`
 * would be read as an option by `turnpike credentials revoke <keyId>` and by most other command lines.
 */
export function generateKeyId(): string {
  return randomBytes(16).toString("hex");
}

/** Hashes a secret of unknown entropy (passwords, chosen key secrets) with scrypt. */
export async function hashPassword(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(secret, salt, KEY_LENGTH, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P });
  return `scrypt$${SCRYPT_N}$${SCRYPT_R}$${SCRYPT_P}$${b64(salt)}$${b64(key)}`;
}

/** Hashes a generated, high-entropy key secret with a salted HMAC-SHA256 (see the module comment). */
export function hashGeneratedSecret(secret: string): string {
  const salt = randomBytes(SALT_LENGTH);
  return `sha256$${b64(salt)}$${b64(createHmac("sha256", salt).update(secret).digest())}`;
}

/** The in-memory verifier of a declared (configuration) secret. */
export function declaredSecretHash(secret: string): string {
  return `declared$${b64(processDigest(secret))}`;
}

// $2a$/$2b$/$2y$, a two-digit cost, then 53 characters of salt and hash.
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** Highest bcrypt cost accepted: a tampered row must not make one verification take minutes. */
const MAX_BCRYPT_COST = 14;

/**
 * The stored verifier of an Express Gateway bcrypt hash (see the module comment).
 * @returns undefined when `egHash` is not a bcrypt hash Turnpike can verify
 */
export function importedBcryptHash(egHash: string): string | undefined {
  const m = BCRYPT_HASH.exec(egHash);
  if (!m || Number(m[1]) > MAX_BCRYPT_COST) return undefined;
  return `bcrypt$${egHash}`;
}

/** True when `stored` is a verifier {@link verifySecret} understands (what an import may write). */
export function isKnownHash(stored: string): boolean {
  const kind = stored.slice(0, stored.indexOf("$"));
  if (kind === "bcrypt") return importedBcryptHash(stored.slice("bcrypt$".length)) !== undefined;
  return kind === "scrypt" || kind === "sha256";
}

/**
 * SHA-256 of the secret keyed with the per-process key: what the data plane compares on every request
 * once a secret has been verified.
 */
export function processDigest(secret: string): Buffer {
  return hash("sha256", PROCESS_KEY + secret, "buffer");
}

/** Constant-time equality of two digests (false when their lengths differ). */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Compares two strings in time that depends only on their lengths (it never stops at the first
 * difference). Used for declared secrets, which are in memory in clear anyway (they are part of the
 * loaded configuration): a few nanoseconds instead of a digest per request.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** True when `stored` names a hash that is cheap to check (no scrypt, no bcrypt). */
export function isFastHash(stored: string): boolean {
  return !stored.startsWith("scrypt$") && !stored.startsWith("bcrypt$");
}

/**
 * Checks `presented` against a stored hash in constant time. Unknown or malformed hashes never match.
 * Costs one scrypt (or bcrypt) for `scrypt$` (`bcrypt$`) hashes: callers cache the outcome (see
 * `credential-cache.ts`).
 */
export async function verifySecret(stored: string, presented: string): Promise<boolean> {
  const parts = stored.split("$");
  switch (parts[0]) {
    case "scrypt": {
      if (parts.length !== 6) return false;
      const [, n, r, p, salt, expected] = parts as [string, string, string, string, string, string];
      const want = unb64(expected);
      if (want.length === 0) return false;
      const N = Number(n);
      const R = Number(r);
      const P = Number(p);
      // Bounded so a tampered row cannot make the gateway allocate gigabytes.
      if (
        !Number.isInteger(N) ||
        N < 2 ||
        N > 1 << 20 ||
        !Number.isInteger(R) ||
        R < 1 ||
        R > 32 ||
        !Number.isInteger(P) ||
        P < 1 ||
        P > 16
      )
        return false;
      const got = await scryptAsync(presented, unb64(salt), want.length, { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 });
      return digestsEqual(got, want);
    }
    case "sha256": {
      if (parts.length !== 3) return false;
      return digestsEqual(createHmac("sha256", unb64(parts[1]!)).update(presented).digest(), unb64(parts[2]!));
    }
    case "declared": {
      if (parts.length !== 2) return false;
      return digestsEqual(processDigest(presented), unb64(parts[1]!));
    }
    case "bcrypt": {
      const egHash = stored.slice("bcrypt$".length);
      // bcryptjs compares the whole computed hash, not byte by byte up to the first difference.
      return importedBcryptHash(egHash) !== undefined && bcrypt.compare(presented, egHash);
    }
    default:
      return false;
  }
}
