/**
 * The OpenAPI documents a policy works from: those of the OpenAPI-defined apiEndpoints its pipeline
 * serves.
 */
import { ConfigError, type ApiDescription, type PolicyContext } from "@turnpike/core";

/**
 * The descriptions of the pipeline's OpenAPI endpoints.
 * @throws ConfigError at the policy's path when the pipeline serves none.
 */
export function pipelineDescriptions(ctx: PolicyContext): ApiDescription[] {
  const descriptions = [...new Set(ctx.apiEndpoints.flatMap((e) => (e.api === undefined ? [] : [e.api])))];
  if (descriptions.length === 0) {
    throw new ConfigError([
      {
        path: ctx.path,
        message: `${ctx.name} needs an apiEndpoint defined by an OpenAPI document (apiEndpoints.<name>.openapi) in pipeline ${ctx.pipeline}`,
      },
    ]);
  }
  return descriptions;
}
