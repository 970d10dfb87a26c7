/**
 * What crosses between the gateway and a handler's runner (a worker thread or the gateway's own
 * thread): plain, structured-cloneable data only. The worker side imports nothing from the core.
 */

/** The calling conventions a handler may use. */
export type HandlerFormat = "aws-apigw-v2" | "fetch";

/** The authenticated consumer, as the handler sees it. */
export interface ConsumerFacts {
  readonly id: string;
  readonly username?: string | undefined;
  readonly type: string;
  readonly scopes: readonly string[];
  readonly credential?: { readonly type: string; readonly id: string } | undefined;
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** What every invocation carries besides the request. */
export interface InvocationFacts {
  readonly requestId: string;
  /** `module#export`, the Lambda context's `functionName`. */
  readonly functionName: string;
  /** When the handler's time is up (ms since the epoch): the context's `getRemainingTimeInMillis()`. */
  readonly deadline: number;
  readonly consumer: ConsumerFacts | null;
  readonly stageVariables: Readonly<Record<string, string>>;
}

/** A request as a fetch handler's `Request` is built from. */
export interface SerializedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | null;
}

/** One call of a handler. */
export type Invocation =
  | { readonly format: "aws-apigw-v2"; readonly event: Readonly<Record<string, unknown>>; readonly facts: InvocationFacts }
  | { readonly format: "fetch"; readonly request: SerializedRequest; readonly facts: InvocationFacts };

/** A handler's answer, normalised from either format. */
export interface FunctionResponse {
  readonly status: number;
  /** Names as the handler wrote them; `set-cookie` once per cookie. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** A handler's failure, as it crosses back from a worker (the stack is logged, never answered). */
export interface HandlerFailure {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
}
