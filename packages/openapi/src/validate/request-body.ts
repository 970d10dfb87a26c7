/**
 * Checking a request body against the operation's documented media types: the Content-Type picks the
 * entry (415 when none covers it), and JSON, form and multipart bodies are read once, within the size
 * limit, checked, and put back for forwarding byte for byte.
 */
import { GatewayError, hasRequestBody, isGatewayError, parseJsonBody, readRequestBody } from "@turnpike/core";
import busboy from "busboy";
import type { Request, Response } from "express";
import { Readable } from "node:stream";
import { describeErrors, type BodyMedia, type RequestProblem, type RequestValidator } from "./compile-request-validator.js";
import { bestMatch, isJsonMedia, parseMediaRange, type MediaRange } from "./media-types.js";

/** `/items/0/price` → `body/items/0/price`; the root is `body`. */
function bodyLocation(instancePath: string): string {
  return `body${instancePath}`;
}

/** Names of the fields and files of a multipart/form-data body. */
function multipartNames(raw: Buffer, contentType: string): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const names = new Set<string>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { "content-type": contentType }, limits: { fieldSize: raw.length, fields: 10000, files: 10000 } });
    } catch (err) {
      reject(err as Error);
      return;
    }
    parser.on("field", (name) => names.add(name));
    parser.on("file", (name, stream) => {
      names.add(name);
      stream.resume();
    });
    parser.on("error", reject);
    parser.on("close", () => resolve(names));
    parser.end(raw);
  });
}

function formData(raw: Buffer, media: BodyMedia): Record<string, unknown> {
  const form = new URLSearchParams(raw.toString("utf8"));
  const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of new Set(form.keys())) {
    data[name] = media.fieldShapes.get(name) === "array" ? form.getAll(name) : form.get(name);
  }
  return data;
}

/** The body's media type parsed, or why the body cannot be checked (a 415). */
function requestMedia(req: Request, validator: RequestValidator): { media: BodyMedia; type: MediaRange } | GatewayError {
  const accepted = validator.body!.media.map((m) => m.mediaType).join(", ");
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    return new GatewayError("UNSUPPORTED_MEDIA_TYPE", `Encoded request bodies (${encoding}) are not accepted here; send ${accepted}`);
  }
  const type = parseMediaRange(req.headers["content-type"]);
  const media = type === undefined ? undefined : bestMatch(validator.body!.media, type);
  if (type === undefined || media === undefined) {
    const sent = req.headers["content-type"] === undefined ? "no Content-Type" : `Content-Type ${req.headers["content-type"]}`;
    return new GatewayError("UNSUPPORTED_MEDIA_TYPE", `The request has ${sent}; this operation accepts ${accepted}`);
  }
  return { media, type };
}

/**
 * Checks the body of `req`, appending its problems to `problems`.
 * @returns a GatewayError to answer instead (415, 413, an unreadable body), or undefined.
 */
export async function checkRequestBody(
  req: Request,
  res: Response,
  validator: RequestValidator,
  limits: { readonly maxBytes: number; readonly maxDepth: number },
  problems: RequestProblem[],
): Promise<GatewayError | undefined> {
  const rules = validator.body;
  if (rules === undefined) return undefined;
  if (!hasRequestBody(req)) {
    if (rules.required) problems.push({ location: "body", message: "is required" });
    return undefined;
  }
  const found = requestMedia(req, validator);
  if (isGatewayError(found)) return found;
  const { media, type } = found;
  const json = media.kind === "json" || (media.kind === "wildcard" && isJsonMedia(type));
  const readable = json
    ? media.validate !== undefined
    : media.kind === "form"
      ? media.validate !== undefined
      : media.kind === "multipart" && media.requiredFields.length > 0;
  // Bodies nothing is checked in stream through untouched.
  if (!readable) return undefined;
  const state = res.locals.turnpike;
  // Past the limit, reading stops and the answer is 413 (the connection then closes).
  const raw = await readRequestBody(state.requestBody ?? req, limits.maxBytes, res);
  // Read once: the upstream receives these very bytes, now with a known length.
  req.headers["content-length"] = String(raw.length);
  delete req.headers["transfer-encoding"];
  state.requestBody = Readable.from([raw], { objectMode: false });

  if (json) {
    const parsed = parseJsonBody(raw, limits.maxDepth);
    if (!parsed.ok) {
      problems.push({
        location: "body",
        message: parsed.reason === "too-deep" ? `is nested deeper than ${parsed.maxDepth} levels` : "is not valid JSON",
      });
      return undefined;
    }
    if (!media.validate!(parsed.value)) problems.push(...describeErrors(media.validate!.errors, bodyLocation));
    return undefined;
  }
  if (media.kind === "form") {
    const data = formData(raw, media);
    if (!media.validate!(data)) problems.push(...describeErrors(media.validate!.errors, bodyLocation));
    return undefined;
  }
  let names: Set<string>;
  try {
    names = await multipartNames(raw, req.headers["content-type"]!);
  } catch {
    problems.push({ location: "body", message: "is not a valid multipart/form-data body" });
    return undefined;
  }
  for (const field of media.requiredFields) if (!names.has(field)) problems.push({ location: `body/${field}`, message: "is required" });
  return undefined;
}
