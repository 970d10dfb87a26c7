/**
 * Schema fragments every throttling policy shares.
 */
import { DEFAULT_IPV6_SUBNET } from "./keys/client-key.js";

/** The `ipv6Subnet` option. */
export const IPV6_SUBNET_OPTION = {
  anyOf: [{ type: "integer", minimum: 32, maximum: 64 }, { const: false }],
  default: DEFAULT_IPV6_SUBNET,
  description:
    "IPv6 clients are counted per subnet of this prefix length (32 to 64), since one client usually holds a whole /56 or /64; " +
    "`false` counts each address on its own. IPv4-mapped IPv6 addresses always count as their IPv4 address.",
} as const;

/** The `message` option of a policy's error answer. */
export function messageOption(what: string): { type: "string"; minLength: 1; description: string } {
  return {
    type: "string",
    minLength: 1,
    description: `Message of the JSON error body when ${what}. Default: the gateway's standard message for the error code.`,
  };
}
