/**
 * The `trustProxy` decision: which peers may tell us, through `X-Forwarded-For` (and `-Proto`, and
 * `X-Request-Id`), who the client is. By default no one: the TCP peer is the client.
 */
import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import type { TrustProxySetting } from "../config/model.js";

/** `(address, hop) => trusted` as proxy-addr expects it. */
export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Compiles a {@link TrustProxySetting}.
 * @throws TypeError for an address or range proxy-addr cannot parse.
 */
export function compileTrust(setting: TrustProxySetting): TrustFunction {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === "number") return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/** The client address: the peer, or the nearest untrusted hop of `X-Forwarded-For` behind trusted ones. */
export function clientAddress(req: IncomingMessage, trust: TrustFunction, peerTrusted: boolean): string {
  const peer = req.socket.remoteAddress ?? "";
  if (!peerTrusted) return peer;
  return proxyaddr(req, trust);
}
