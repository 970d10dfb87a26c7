/**
 * The `terminate` policy (Express Gateway's): answers the request itself with a fixed status and message.
 */
import { definePolicy } from "../../pipeline/define.js";

/** Options of the `terminate` policy. */
export interface TerminateOptions {
  statusCode: number;
  message: string;
}

/** The `terminate` policy. */
export const terminatePolicy = definePolicy<TerminateOptions>({
  name: "terminate",
  phase: "backend",
  description: "Answers the request with a fixed status and text, without calling any service.",
  schema: {
    type: "object",
    properties: {
      statusCode: { type: "integer", minimum: 100, maximum: 599, default: 400, description: "Status code of the answer." },
      message: { type: "string", default: "Terminated", description: "Body of the answer (text/plain)." },
    },
  },
  create({ statusCode, message }) {
    const body = Buffer.from(message);
    return function terminate(_req, res) {
      res.statusCode = statusCode;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.setHeader("content-length", body.length);
      res.end(body);
    };
  },
  explain({ statusCode, message }) {
    return () => ({ summary: `answers ${statusCode} ${JSON.stringify(message)}`, outcome: "answer", status: statusCode });
  },
});
