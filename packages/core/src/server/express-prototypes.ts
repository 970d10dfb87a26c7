/**
 * Request and response classes that already carry Express's prototypes, handed to `http.createServer`.
 * Express (`app.handle`) swaps the prototype of every request and response it sees, which is a large
 * part of its per-request cost; here Node constructs them with the right prototype from the start, so
 * middleware written for Express (`req.get`, `res.json`, `res.status`, ...) works unchanged for free.
 */
import type { Express } from "express";
import { IncomingMessage, ServerResponse } from "node:http";

/** The classes for `http.createServer({ IncomingMessage, ServerResponse })`. */
export interface GatewayMessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * Creates classes inheriting from `app.request` / `app.response` (and so from Node's own classes).
 * `req.ip` is made to answer the gateway's `trustProxy` decision rather than Express's setting.
 */
export function createMessageClasses(app: Express): GatewayMessageClasses {
  const appRequest = app.request as object;
  const expressIp = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(appRequest), "ip");
  Object.defineProperty(appRequest, "ip", {
    configurable: true,
    enumerable: true,
    get(this: IncomingMessage & { res?: { locals?: Express.Locals } }) {
      const state = this.res?.locals?.turnpike;
      if (state !== undefined) return state.clientIp;
      return expressIp?.get ? expressIp.get.call(this) : this.socket.remoteAddress;
    },
  });

  // No constructors of their own: Node's arguments (socket, options) pass through untouched.
  class GatewayRequest extends IncomingMessage {}
  class GatewayResponse extends ServerResponse {}
  Object.setPrototypeOf(GatewayRequest.prototype, appRequest);
  Object.setPrototypeOf(GatewayResponse.prototype, app.response as object);
  return { IncomingMessage: GatewayRequest, ServerResponse: GatewayResponse as typeof ServerResponse };
}
