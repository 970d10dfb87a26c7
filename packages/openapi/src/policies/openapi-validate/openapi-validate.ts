/**
 * The `openapi-validate` policy: checks each request against the OpenAPI operation it matched (path,
 * query, header and cookie parameters as the document serialises them, and the body), answering 400
 * with every problem and its location, 415 for a body of an undocumented media type; optionally checks
 * responses too. Every schema is compiled when the configuration is, never per request.
 */
import {
  ConfigError,
  definePolicy,
  GatewayError,
  parseByteSize,
  type ApiDescription,
  type ApiOperation,
  type PolicyContext,
} from "@turnpike/core";
import { pipelineDescriptions } from "../../pipeline-descriptions.js";
import { compileRequestValidator, type RequestProblem, type RequestValidator } from "../../validate/compile-request-validator.js";
import { parseCookies, type ParameterSources } from "../../validate/parameter-values.js";
import { checkRequestBody } from "../../validate/request-body.js";
import { DocumentSchemas } from "../../schemas/document-schemas.js";
import { compileResponseChecks, watchResponse } from "../../validate/response-validation.js";
import { openApiValidateSchema, type OpenApiValidateOptions } from "./openapi-validate-schema.js";

const EMPTY_COOKIES: ReadonlyMap<string, string> = new Map();

/** Every problem as one message: `query.limit: must be <= 100; body/name: is required`. */
export function problemsMessage(problems: readonly RequestProblem[]): string {
  return `The request does not match the API description: ${problems.map((p) => `${p.location}: ${p.message}`).join("; ")}`;
}

function sizeOption(value: number | string, path: string): number {
  const size = parseByteSize(value);
  if (size === undefined) throw new ConfigError([{ path, message: 'must be a number of bytes or a size such as "1mb"' }]);
  return size;
}

/** Compiles every operation's request checks; schema errors become load errors located in the document. */
function compileValidators(descriptions: readonly ApiDescription[], ctx: PolicyContext): Map<ApiOperation, RequestValidator> {
  const validators = new Map<ApiOperation, RequestValidator>();
  const problems = [];
  for (const api of descriptions) {
    const parameterSchemas = new DocumentSchemas(api, { view: "request", coerce: true });
    const bodySchemas = new DocumentSchemas(api, { view: "request", coerce: false });
    for (const operation of api.operations) {
      try {
        validators.set(operation, compileRequestValidator(operation, parameterSchemas, bodySchemas));
      } catch (err) {
        problems.push({
          path: ctx.path,
          message: `${api.file}#${operation.pointer}: a schema cannot be compiled: ${(err as Error).message}`,
        });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return validators;
}

/** The `openapi-validate` policy. */
export const openApiValidatePolicy = definePolicy<OpenApiValidateOptions>({
  name: "openapi-validate",
  description: "Validates requests (and optionally responses) against the OpenAPI operation they match: 400 listing every problem, 415.",
  schema: openApiValidateSchema,
  create(options, ctx) {
    const limits = { maxBytes: sizeOption(options.maxBodySize, `${ctx.path}.maxBodySize`), maxDepth: options.maxBodyDepth };
    const responseLimits = {
      maxBytes: sizeOption(options.maxResponseBodySize, `${ctx.path}.maxResponseBodySize`),
      maxDepth: options.maxBodyDepth,
    };
    const descriptions = pipelineDescriptions(ctx);
    const validators = compileValidators(descriptions, ctx);
    const responseChecks = options.responses === "off" ? undefined : compileResponseChecks(descriptions, ctx);
    const logger = ctx.logger;

    return function openApiValidate(req, res, next) {
      const operation = res.locals.turnpike.operation;
      const validator = operation === undefined ? undefined : validators.get(operation.description);
      if (operation === undefined || validator === undefined) return next();
      const query = req.url.indexOf("?");
      const sources: ParameterSources = {
        path: operation.params,
        query: new URLSearchParams(query === -1 ? "" : req.url.slice(query + 1)),
        headers: req.headers,
        cookies: req.headers.cookie === undefined ? EMPTY_COOKIES : parseCookies(req.headers.cookie),
      };
      const problems = validator.checkParameters(sources);
      const finish = (refusal: GatewayError | undefined): void => {
        if (refusal !== undefined) return next(refusal);
        if (problems.length > 0) return next(new GatewayError("REQUEST_VALIDATION_FAILED", problemsMessage(problems)));
        if (responseChecks !== undefined)
          watchResponse(req, res, responseChecks, operation.description, options.responses === "reject", responseLimits, logger);
        next();
      };
      if (validator.body === undefined) return finish(undefined);
      checkRequestBody(req, res, validator, limits, problems).then(finish, next);
    };
  },
});
