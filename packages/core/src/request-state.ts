/**
 * The per-request state Turnpike keeps in one typed place, `res.locals.turnpike`.
 */
import type { Readable } from "node:stream";
import type { ApiEndpointConfig } from "./config/model.js";
import type { ApiOperation, SecurityRequirement } from "./openapi/api-description.js";

/** An authenticated caller, set by an auth policy. */
export interface Consumer {
  /** Stable id, forwarded upstream as `x-consumer-id`. */
  id: string;
  /** Forwarded upstream as `x-consumer-username` when present. */
  username?: string;
  /** `user` or `app` (Express Gateway's two consumer kinds). */
  type: "user" | "app";
  /** Scopes the credential used for this request holds. */
  scopes: readonly string[];
  /** The credential that authenticated the request. */
  credential?: { type: string; id: string };
  /** Claims of a verified JWT, when `jwt` authenticated the request. */
  claims?: Readonly<Record<string, unknown>>;
}

/** The OpenAPI operation a request matched, on endpoints defined by a document. */
export interface OperationState {
  /** The operation's `operationId`, when the document gives one. */
  readonly operationId: string | undefined;
  /** The path template as the document writes it, e.g. `/pets/{petId}`. */
  readonly template: string;
  /** Decoded path parameters, e.g. `{ petId: "42" }`. */
  readonly params: Readonly<Record<string, string>>;
  /** The operation's security requirements (any one suffices; `[]` means none). */
  readonly security: readonly SecurityRequirement[];
  /** Everything the document says about the operation (parameters, body, responses, pointers). */
  readonly description: ApiOperation;
}

/** State of one request as it goes through a pipeline. */
export interface RequestState {
  /** The request id: sent back as `x-request-id` and forwarded upstream. */
  readonly requestId: string;
  /** Name of the pipeline handling the request. */
  readonly pipeline: string;
  /** The apiEndpoint rule that matched. */
  readonly apiEndpoint: ApiEndpointConfig;
  /** Canonical path (dot segments removed), without the query (and without a stripped version prefix): what policies and the upstream see. */
  readonly path: string;
  /** The apiEndpoint path pattern that matched (e.g. `/users/:id`); undefined for `pathRegex` rules. */
  readonly route: string | undefined;
  /** `:param` values of the matched path. */
  readonly params: Record<string, string>;
  /** The API version the request was routed in (with `versioning`), explicit or the default. */
  readonly version: string | undefined;
  /** The OpenAPI operation matched, when the endpoint is defined by a document. */
  readonly operation: OperationState | undefined;
  /** Client address after the `trustProxy` decision. */
  readonly clientIp: string;
  /** True when `trustProxy` lists the TCP peer (its forwarding headers and request id are believed). */
  readonly peerTrusted: boolean;
  /** `http` or `https` as the client spoke it (after the `trustProxy` decision). */
  readonly protocol: string;
  /** Set by an auth policy. */
  consumer?: Consumer;
  /** Replaces the request itself as the body forwarded upstream (size limits, transformations). */
  requestBody?: Readable;
  /** The upstream the proxy chose, and how long it took to send response headers (ms). */
  upstream?: { url: string; latencyMs?: number };
  /** `performance.now()` when the request entered the gateway. */
  readonly startTime: number;
}

declare global {
  // Express's own augmentation point for res.locals: importing @turnpike/core types it everywhere.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      turnpike: RequestState;
    }
  }
}
