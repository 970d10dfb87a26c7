/**
 * Content negotiation by `Accept` (RFC 9110 §12.5.1) among the media types an operation documents.
 */
import { coverage, parseMediaRange, type MediaRange } from "../validate/media-types.js";

interface AcceptRange {
  readonly range: MediaRange;
  readonly q: number;
}

function parseAccept(header: string): AcceptRange[] {
  const out: AcceptRange[] = [];
  for (const part of header.split(",")) {
    const [media = "", ...params] = part.split(";");
    const range = parseMediaRange(media);
    if (range === undefined) continue;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    out.push({ range, q: Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 1 });
  }
  return out;
}

/**
 * The documented media type the client prefers: highest quality, then the most specific matching
 * range, then document order. Without `Accept`, the first documented type.
 * @returns the chosen media type as documented, or undefined when the client accepts none of them.
 */
export function negotiate(documented: readonly string[], accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === "") return documented[0];
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return documented[0];
  let best: string | undefined;
  let bestQ = 0;
  for (const type of documented) {
    const media = parseMediaRange(type);
    if (media === undefined) continue;
    // The most specific range covering this type decides its quality.
    let q = 0;
    let specificity = 0;
    for (const r of ranges) {
      const score = coverage(r.range, media);
      if (score > specificity) {
        specificity = score;
        q = r.q;
      }
    }
    if (q > bestQ) {
      best = type;
      bestQ = q;
    }
  }
  return best;
}
