/**
 * The client-IP part of throttling keys. The address is the one the core decided on
 * (`res.locals.turnpike.clientIp`, after `trustProxy`), so a client cannot pick a new bucket by sending
 * its own `X-Forwarded-For`. IPv6 addresses are keyed canonically by express-rate-limit's
 * `ipKeyGenerator`: an IPv4-mapped address (`::ffff:10.0.0.1`) counts as its IPv4 address, and other
 * IPv6 addresses count per subnet, since one client usually holds a whole /56 or /64 and could otherwise
 * rotate through it.
 */
import { ipKeyGenerator } from "express-rate-limit";

/** Prefix length IPv6 addresses are grouped by, or `false` to key each address on its own. */
export type Ipv6Subnet = number | false;

/** Default IPv6 grouping, express-rate-limit's. */
export const DEFAULT_IPV6_SUBNET = 56;

// ipKeyGenerator parses IPv6 addresses into objects: remember recent answers instead of parsing per request.
const CACHE_LIMIT = 10_000;

/**
 * Returns a function mapping a client address to its key: IPv4 addresses unchanged, IPv6 addresses in
 * canonical (subnet) form.
 *
 * @example
 * ```ts
 * const key = createClientKey(56);
 * key("::ffff:10.0.0.1"); // "10.0.0.1"
 * key("2001:db8:0:12::1") === key("2001:db8:0:34::2"); // true: same /56
 * ```
 */
export function createClientKey(ipv6Subnet: Ipv6Subnet = DEFAULT_IPV6_SUBNET): (ip: string) => string {
  const cache = new Map<string, string>();
  return function clientKey(ip) {
    // IPv4 (the common case) needs no work; only addresses with a colon can be IPv6.
    if (!ip.includes(":")) return ip;
    let key = cache.get(ip);
    if (key === undefined) {
      key = ipKeyGenerator(ip, ipv6Subnet);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(ip, key);
    }
    return key;
  };
}
