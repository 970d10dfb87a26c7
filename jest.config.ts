import type { Config } from "jest";

// Tests are TypeScript ESM run through ts-jest (transpile only, tsconfig.jest.json: `tsc -b` and tsconfig.test.json do the
// type checking before jest starts). `@turnpike/*` imports resolve to each package's source, so a test
// never runs stale build output; the `.js` suffixes NodeNext requires are mapped back to the `.ts` files.
const config: Config = {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  roots: ["<rootDir>/packages", "<rootDir>/examples"],
  // A policy's tests sit beside it (src/policies/<name>/<name>.test.ts); other suites live in test/.
  testMatch: ["**/test/**/*.test.ts", "**/src/**/*.test.ts"],
  // Browser tests (a real Chromium) run on their own: `npm run test:browser` (jest.browser.config.ts).
  testPathIgnorePatterns: ["/node_modules/", "\\.browser\\.test\\.ts$"],
  moduleNameMapper: {
    "^@turnpike/(core|testing|policy-auth|policy-throttle|policy-cache|policy-compose|openapi|admin|cli)$":
      "<rootDir>/packages/$1/src/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "<rootDir>/tsconfig.jest.json" }],
  },
  testTimeout: 30000,
  // Integration tests start real processes and servers; two workers match the two cores here.
  maxWorkers: 2,
  // Each test file's ESM module graph stays in the worker's heap (vm contexts), so a worker reached
  // ~800 MB RSS by the end of a full run and then took longer than jest's default 500 ms to tear down,
  // printing "a worker process has failed to exit gracefully" although its event loop was already
  // empty (no handles or timers left). Recycling workers past 512 MB of heap bounds the memory, and the
  // longer grace period covers the teardown of a large worker on a loaded machine.
  workerIdleMemoryLimit: "512MB",
  workerGracefulExitTimeout: 3000,
};

export default config;
