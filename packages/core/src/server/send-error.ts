/**
 * The default error handler: every error the gateway itself answers is JSON
 * (`{"error": {"status", "code", "message"}}`), never a stack trace, never the error's cause.
 */
import type { ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import { GatewayError, toGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";

/** The JSON body of an error answer. */
export function errorBody(error: GatewayError): string {
  return JSON.stringify({ error: { status: error.status, code: error.code, message: error.message } });
}

/**
 * Answers `err` on `res` as JSON. When the response has already started, the connection is cut instead
 * (the client must not take a truncated response for a complete one).
 */
export function sendError(res: ServerResponse, err: unknown, logger: Logger, method?: string): void {
  const error = toGatewayError(err);
  if (error.status >= 500 && !error.quiet) {
    const cause = error.cause ?? err;
    const detail =
      cause instanceof Error
        ? error.code === "INTERNAL_ERROR"
          ? (cause.stack ?? cause.message)
          : `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}`
        : String(cause);
    const requestId = (res as ServerResponse & { locals?: Express.Locals }).locals?.turnpike?.requestId;
    logger[error.code === "INTERNAL_ERROR" ? "error" : "warn"]("%s %s%s", error.code, detail, requestId ? ` (request ${requestId})` : "");
  }
  if (res.headersSent) {
    if (!res.destroyed) res.destroy();
    return;
  }
  const body = errorBody(error);
  res.statusCode = error.status;
  if (error.headers) for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  res.end(method === "HEAD" ? undefined : body);
}

const CLIENT_ERRORS: Record<string, GatewayError> = {
  HPE_HEADER_OVERFLOW: new GatewayError("HEADERS_TOO_LARGE"),
  ERR_HTTP_REQUEST_TIMEOUT: new GatewayError("REQUEST_TIMEOUT"),
};

/**
 * Answers requests Node's parser rejected (malformed, ambiguous framing, header overflow, slow clients)
 * with the same JSON body, then closes the connection. Nothing of such a request is forwarded.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  // A response is already being written on this connection: the only safe answer is to close it.
  if ((socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const error = CLIENT_ERRORS[err.code ?? ""] ?? new GatewayError("BAD_REQUEST", "Malformed HTTP request");
  const body = errorBody(error);
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${randomUUID()}\r\nconnection: close\r\n\r\n${body}`,
  );
}
