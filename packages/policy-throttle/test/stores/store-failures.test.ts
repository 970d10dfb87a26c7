import { describe, expect, it } from "@jest/globals";
import { StoreFailureLog } from "../../src/stores/store-failures.js";
import { captureLogger } from "../helpers.js";

describe("StoreFailureLog", () => {
  it("logs the first failure, then at most one summary per interval, and once when the store answers again", () => {
    const logger = captureLogger();
    const log = new StoreFailureLog(30_000);
    const boom = new Error("Command timed out");
    log.failure(logger, "pipelines.a.policies[0].rate-limit", "fail-open", boom, 1_000);
    for (let t = 2_000; t < 31_000; t += 1_000) log.failure(logger, "pipelines.a.policies[1].quota", "fail-closed", boom, t);
    expect(logger.lines).toEqual([
      "error: throttling store error at pipelines.a.policies[0].rate-limit: Command timed out; requests pass unlimited",
    ]);
    log.failure(logger, "pipelines.a.policies[1].quota", "fail-closed", boom, 31_000);
    expect(logger.lines[1]).toBe(
      "error: throttling store error at pipelines.a.policies[1].quota: Command timed out; requests are refused with 503 (29 more store errors, in any throttling step, since the last line)",
    );
    log.success(logger);
    log.success(logger);
    expect(logger.lines.slice(2)).toEqual(["info: throttling store answering again after 31 errors; limits apply again"]);
    log.failure(logger, "pipelines.a.policies[0].rate-limit", "fail-open", boom, 32_000);
    expect(logger.lines).toHaveLength(4);
  });
});
