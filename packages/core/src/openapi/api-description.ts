/**
 * The model of an OpenAPI document the gateway routes on: what the loader produces from a file, what
 * the matcher compiles into routes and what policies (validation, mocks, export) read. Every part keeps
 * the JSON pointer of its object in the bundled document, so a policy compiles schemas by reference
 * and every message can say where in the document it comes from.
 */

/** Where a parameter is carried. */
export type ParameterLocation = "path" | "query" | "header" | "cookie";

/** One parameter of an operation (path-item parameters merged in, `$ref`s followed). */
export interface ApiParameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  /** Serialisation style, with the location's default filled in (`simple`, `form`...). */
  readonly style: string;
  readonly explode: boolean;
  /** Pointer of the parameter's schema (its `schema`, or the schema of its single `content` entry). */
  readonly schemaPointer: string | undefined;
  /** The media type when the parameter is described by `content` rather than `schema`. */
  readonly contentType: string | undefined;
  /** Pointer of the parameter object. */
  readonly pointer: string;
}

/** One media type of a request body or response. */
export interface ApiMediaType {
  /** As written in the document, e.g. `application/json`, `application/*+json`, `*\/*`. */
  readonly mediaType: string;
  /** Pointer of the media type object (its `schema`, `example`, `examples`, `encoding` are below it). */
  readonly pointer: string;
  readonly schemaPointer: string | undefined;
}

/** A request body. */
export interface ApiRequestBody {
  readonly required: boolean;
  readonly pointer: string;
  readonly content: readonly ApiMediaType[];
}

/** One documented response. */
export interface ApiResponse {
  /** `200`, `4XX` or `default`. */
  readonly status: string;
  readonly pointer: string;
  readonly content: readonly ApiMediaType[];
  /** Pointers of the response's header objects, by header name. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A security requirement: scheme name → scopes (OpenAPI's Security Requirement Object). */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** One operation: a method on a path template. */
export interface ApiOperation {
  readonly operationId: string | undefined;
  /** Upper-case method. */
  readonly method: string;
  /** Methods routed to this operation: its own, plus HEAD for a GET whose path describes no HEAD. */
  readonly methods: readonly string[];
  /** The path template as the document writes it, e.g. `/pets/{petId}`. */
  readonly template: string;
  /** The template under the endpoint's base path, as clients call it, e.g. `/v1/pets/{petId}`. */
  readonly route: string;
  /** Pointer of the operation object. */
  readonly pointer: string;
  readonly parameters: readonly ApiParameter[];
  readonly requestBody: ApiRequestBody | undefined;
  readonly responses: readonly ApiResponse[];
  /** The operation's security requirements (or the document's); any one of them suffices. */
  readonly security: readonly SecurityRequirement[];
  readonly summary: string | undefined;
  readonly deprecated: boolean;
  /** The operation object itself, as bundled. */
  readonly definition: Readonly<Record<string, unknown>>;
}

/** A loaded OpenAPI document. */
export interface ApiDescription {
  /** Absolute path of the document. */
  readonly file: string;
  /** The document's `openapi` field, e.g. `3.0.3`. */
  readonly openapi: string;
  /** `3.0` (JSON Schema draft-04 dialect with `nullable`) or `3.1` (JSON Schema draft 2020-12). */
  readonly dialect: "3.0" | "3.1";
  /** The bundled document: every `$ref` is internal (`#/...`). Shared: do not modify. */
  readonly document: Readonly<Record<string, unknown>>;
  /** The path operations are served under (`basePath`, else the first server's path, else `/`). */
  readonly basePath: string;
  /** Operations in matching order (literal segments before templated ones). */
  readonly operations: readonly ApiOperation[];
  /** Every file the document was read from (itself and the files its `$ref`s name). */
  readonly files: readonly string[];
}
