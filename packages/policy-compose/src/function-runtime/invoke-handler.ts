/**
 * Calling a loaded handler in its format and normalising its answer; shared by the worker threads and
 * the inline runner, so both isolations behave the same.
 */
import { mapApiGatewayV2Result } from "./apigw-v2-result.js";
import type { Handler } from "./load-handler.js";
import type { FunctionResponse, Invocation, InvocationFacts } from "./invocation.js";

/** The Lambda context object a handler receives as its second argument. */
function lambdaContext(facts: InvocationFacts): Record<string, unknown> {
  return {
    awsRequestId: facts.requestId,
    functionName: facts.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:turnpike:lambda:local:0:function:${facts.functionName}`,
    memoryLimitInMB: "0",
    logGroupName: "turnpike",
    logStreamName: facts.functionName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, facts.deadline - Date.now()),
    // Turnpike's own facts, for handlers that want them without parsing the event.
    turnpike: { requestId: facts.requestId, consumer: facts.consumer, stageVariables: facts.stageVariables },
  };
}

/** Calls a Lambda handler: async (a promise), or the older `(event, context, callback)` form. */
function callLambda(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (err: unknown, result?: unknown): void => (err ? reject(err) : resolve(result));
      const returned = handler(event, context, callback);
      if (returned !== undefined && typeof (returned as Promise<unknown>).then === "function")
        (returned as Promise<unknown>).then(resolve, reject);
    });
  }
  return Promise.resolve(handler(event, context));
}

async function readResponse(value: unknown): Promise<FunctionResponse> {
  if (!(value instanceof Response))
    throw new TypeError(`a fetch handler must return a Response, got ${value === null ? "null" : typeof value}`);
  const headers: [string, string][] = [];
  value.headers.forEach((v, name) => {
    if (name !== "set-cookie") headers.push([name, v]);
  });
  for (const cookie of value.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  return { status: value.status, headers, body: new Uint8Array(await value.arrayBuffer()) };
}

/**
 * Runs `handler` for `invocation`.
 * @throws what the handler threw, or an error for an answer that is not a valid response
 */
export async function invokeHandler(handler: Handler, invocation: Invocation): Promise<FunctionResponse> {
  const facts = invocation.facts;
  if (invocation.format === "aws-apigw-v2") {
    return mapApiGatewayV2Result(await callLambda(handler, invocation.event, lambdaContext(facts)));
  }
  const { url, method, headers, body } = invocation.request;
  const request = new Request(url, { method, headers: headers as [string, string][], ...(body !== null ? { body } : {}) });
  const env = { requestId: facts.requestId, consumer: facts.consumer, stageVariables: facts.stageVariables };
  const executionContext = {
    waitUntil: (promise: Promise<unknown>) => void promise.catch(() => undefined),
    passThroughOnException: () => undefined,
  };
  return readResponse(await handler(request, env, executionContext));
}
