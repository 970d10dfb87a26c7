/**
 * The policies every gateway has, without any plugin.
 */
import type { PolicyDefinition } from "../pipeline/define.js";
import { proxyPolicy } from "../proxy/proxy-policy.js";
import { corsPolicy } from "./cors/cors.js";
import { headersPolicy } from "./headers/headers.js";
import { ipFilterPolicy } from "./ip-filter/ip-filter.js";
import { logPolicy } from "./log/log.js";
import { requestSizePolicy } from "./request-size/request-size.js";
import { requestTransformerPolicy } from "./request-transformer/request-transformer.js";
import { responseTransformerPolicy } from "./response-transformer/response-transformer.js";
import { terminatePolicy } from "./terminate/terminate.js";

/** Built-in policies: `proxy`, `terminate`, `log`, `request-size`, `ip-filter`, `cors`, `headers`, `request-transformer`, `response-transformer`. */
export const builtinPolicies: readonly PolicyDefinition<any>[] = [
  proxyPolicy,
  terminatePolicy,
  logPolicy,
  requestSizePolicy,
  ipFilterPolicy,
  corsPolicy,
  headersPolicy,
  requestTransformerPolicy,
  responseTransformerPolicy,
];
