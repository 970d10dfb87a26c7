/**
 * The HTTPS listener's TLS settings: the default certificate, and one per server name (SNI) in Express
 * Gateway's `tls: {default: {...}, "*.example.com": {...}}` form. Files are read once, when the listener
 * is created.
 */
import { readFileSync } from "node:fs";
import type https from "node:https";
import tls from "node:tls";
import type { HttpsConfig, TlsFiles } from "../config/model.js";

function secureContextOptions(files: TlsFiles): tls.SecureContextOptions {
  const options: tls.SecureContextOptions = { key: readFileSync(files.key), cert: readFileSync(files.cert) };
  if (files.ca) options.ca = files.ca.map((f) => readFileSync(f));
  if (files.passphrase !== undefined) options.passphrase = files.passphrase;
  return options;
}

/**
 * Whether `host` (a configured name, lower case) covers `servername`: equal, or `*.example.com` for
 * exactly one more label.
 */
function coversServerName(host: string, servername: string): boolean {
  if (host === servername) return true;
  return host.startsWith("*.") && servername.endsWith(host.slice(1)) && !servername.slice(0, -host.length + 1).includes(".");
}

/**
 * The `https.createServer` options for `config`: the default certificate, and an SNI callback choosing
 * among the per-name ones when there are any.
 * @throws Error when a key or certificate file cannot be read.
 */
export function httpsOptions(config: HttpsConfig): https.ServerOptions {
  const contexts = Object.entries(config.sni).map(([host, files]) => [host, tls.createSecureContext(secureContextOptions(files))] as const);
  const options: https.ServerOptions = { ...secureContextOptions(config.tls) };
  if (contexts.length > 0) {
    options.SNICallback = (servername, callback) => {
      const name = servername.toLowerCase();
      callback(null, contexts.find(([host]) => coversServerName(host, name))?.[1]);
    };
  }
  return options;
}
