import type { Config } from "jest";
import base from "./jest.config";

// Tests that drive a real headless Chromium (Debian's `chromium`, CHROMIUM_PATH to override): slower than
// the main suite, so they run apart, with `npm run test:browser` (`.ci/run` runs it with a time bound).
const config: Config = {
  ...base,
  testMatch: ["**/test/browser/**/*.browser.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 60000,
  maxWorkers: 1,
};

export default config;
