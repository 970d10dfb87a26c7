/**
 * The version of this `@turnpike/core`, read from its package.json: what a plugin's `turnpike` range is
 * checked against.
 */
import { createRequire } from "node:module";

// src/plugins/ and dist/plugins/ both sit two levels under the package root.
const manifest = createRequire(import.meta.url)("../../package.json") as { version: string };

/** The version of the running `@turnpike/core`, e.g. `0.1.0`. */
export const CORE_VERSION: string = manifest.version;
