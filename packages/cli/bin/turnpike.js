#!/usr/bin/env node
// The `turnpike` command. A committed file, not dist/bin.js itself: `npm ci` links package bins
// before the `prepare` script has built dist/, and npm skips a bin whose file does not exist yet,
// which left a fresh clone without node_modules/.bin/turnpike.
import "../dist/bin.js";
