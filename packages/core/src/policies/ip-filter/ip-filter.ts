/**
 * The `ip-filter` policy: 403 for client addresses outside `allow` or inside `deny`.
 *
 * The address is the one the core decided on (`res.locals.turnpike.clientIp`): the TCP peer, or the
 * nearest untrusted `X-Forwarded-For` hop when `trustProxy` lists the peer. So a client can never
 * choose its address by sending forwarding headers.
 */
import proxyaddr from "proxy-addr";
import { ConfigError, GatewayError, type ConfigProblem } from "../../errors.js";
import { observeMiddleware, outcomeExplanation } from "../../explain/observe-middleware.js";
import { definePolicy, type PolicyMiddleware } from "../../pipeline/define.js";

/** Options of the `ip-filter` policy. */
export interface IpFilterOptions {
  allow?: string[];
  deny?: string[];
}

const addressList = (what: string) => ({
  type: "array",
  minItems: 1,
  items: { type: "string", minLength: 1 },
  description: `${what}: addresses (\`203.0.113.7\`, \`2001:db8::1\`), CIDR ranges (\`10.0.0.0/8\`, \`2001:db8::/32\`) or \`loopback\`, \`linklocal\`, \`uniquelocal\`.`,
});

type AddressMatcher = (address: string) => boolean;

/**
 * Compiles a list once at load (proxy-addr's parser: IPv4-mapped IPv6 addresses match IPv4 ranges).
 * Each entry is tried alone first so that a bad one is reported at its own path.
 */
function compileList(entries: string[], at: string, problems: ConfigProblem[]): AddressMatcher | undefined {
  const before = problems.length;
  entries.forEach((entry, i) => {
    try {
      proxyaddr.compile(entry);
    } catch {
      problems.push({
        path: `${at}[${i}]`,
        message: `${JSON.stringify(entry)} is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`,
      });
    }
  });
  if (problems.length > before) return undefined;
  const trust = proxyaddr.compile(entries);
  return (address) => trust(address, 0);
}

/** The `ip-filter` policy. */
export const ipFilterPolicy = definePolicy<IpFilterOptions>({
  name: "ip-filter",
  phase: "access",
  description: "Refuses (403) clients whose address is outside `allow` or inside `deny`; the address honours `trustProxy`.",
  schema: {
    type: "object",
    properties: {
      allow: addressList("Only these clients may pass (when given)"),
      deny: addressList("These clients are refused, even when `allow` lists them"),
    },
  },
  create({ allow, deny }, ctx) {
    if (allow === undefined && deny === undefined)
      throw new ConfigError([{ path: ctx.path, message: "needs allow, deny or both (a list of addresses or CIDR ranges)" }]);
    const problems: ConfigProblem[] = [];
    const allowed = allow ? compileList(allow, `${ctx.path}.allow`, problems) : undefined;
    const denied = deny ? compileList(deny, `${ctx.path}.deny`, problems) : undefined;
    if (problems.length > 0) throw new ConfigError(problems);

    return function ipFilter(_req, res, next) {
      const address = res.locals.turnpike.clientIp;
      // An address we could not read (a socket already gone) matches nothing: refuse rather than guess.
      if (address === "" || (denied !== undefined && denied(address)) || (allowed !== undefined && !allowed(address))) {
        next(new GatewayError("IP_NOT_ALLOWED"));
        return;
      }
      next();
    };
  },
  explain(options, ctx) {
    const handle = this.create(options, ctx) as PolicyMiddleware;
    return async (req, res) => {
      const clientIp = res.locals.turnpike.clientIp;
      return outcomeExplanation(`client ${clientIp}`, await observeMiddleware(handle, req, res), {
        clientIp,
        allow: options.allow,
        deny: options.deny,
      });
    };
  },
});
