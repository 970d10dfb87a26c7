/**
 * What API Gateway's HTTP API makes of a Lambda handler's result (payload format 2.0): an object with
 * `statusCode` is a response (`headers`, `cookies`, `body`, `isBase64Encoded`); anything else is a
 * 200 `application/json` answer whose body is the result (a string as is, other values as JSON).
 */
import type { FunctionResponse } from "./invocation.js";

/** Thrown for a result API Gateway would answer 502 to. */
export class InvalidResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidResultError";
  }
}

function headerValue(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new InvalidResultError(`header ${JSON.stringify(name)} must be a string, number or boolean`);
}

/**
 * Maps a handler's result to a response.
 * @throws InvalidResultError for a result that is not a valid response (a bad status, header or body).
 */
export function mapApiGatewayV2Result(result: unknown): FunctionResponse {
  if (result === null || typeof result !== "object" || !("statusCode" in result)) {
    const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "");
    return { status: 200, headers: [["content-type", "application/json"]], body: Buffer.from(body, "utf8") };
  }
  const response = result as {
    statusCode: unknown;
    headers?: unknown;
    multiValueHeaders?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const status = Number(response.statusCode);
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new InvalidResultError(`statusCode must be an integer from 200 to 599, got ${JSON.stringify(response.statusCode)}`);
  }
  const headers: [string, string][] = [];
  if (response.headers !== undefined && response.headers !== null) {
    if (typeof response.headers !== "object") throw new InvalidResultError("headers must be an object");
    for (const [name, value] of Object.entries(response.headers)) headers.push([name, headerValue(name, value)]);
  }
  // Payload 1.0's form; Lambda handlers written for REST APIs use it.
  if (response.multiValueHeaders !== undefined && response.multiValueHeaders !== null) {
    if (typeof response.multiValueHeaders !== "object") throw new InvalidResultError("multiValueHeaders must be an object");
    for (const [name, values] of Object.entries(response.multiValueHeaders)) {
      for (const value of Array.isArray(values) ? values : [values]) headers.push([name, headerValue(name, value)]);
    }
  }
  if (response.cookies !== undefined) {
    if (!Array.isArray(response.cookies) || !response.cookies.every((c) => typeof c === "string")) {
      throw new InvalidResultError("cookies must be an array of strings");
    }
    for (const cookie of response.cookies) headers.push(["set-cookie", cookie]);
  }
  let body: Buffer;
  if (response.body === undefined || response.body === null) body = Buffer.alloc(0);
  else if (typeof response.body !== "string") throw new InvalidResultError("body must be a string");
  else body = Buffer.from(response.body, response.isBase64Encoded === true ? "base64" : "utf8");
  return { status, headers, body };
}
