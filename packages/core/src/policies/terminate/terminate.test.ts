import { afterEach, describe, expect, it } from "@jest/globals";
import { builtinPolicies, type Gateway } from "@turnpike/core";
import { createPolicyApp } from "@turnpike/testing";
import request from "supertest";

const terminate = builtinPolicies.find((p) => p.name === "terminate")!;

describe("terminate", () => {
  let gw: Gateway | undefined;
  afterEach(async () => gw?.close());

  it("answers with Express Gateway's defaults: 400 Terminated", async () => {
    gw = await createPolicyApp(terminate, {});
    const res = await request(gw.app).get("/x").expect(400);
    expect(res.text).toBe("Terminated");
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
  });

  it("answers the configured status and message, and the rest of the pipeline does not run", async () => {
    gw = await createPolicyApp(terminate, { statusCode: 503, message: "down for maintenance" });
    const res = await request(gw.app).get("/x").expect(503);
    expect(res.text).toBe("down for maintenance");
    expect(res.body.ok).toBeUndefined();
  });

  it("rejects unknown options and out-of-range statuses with their paths", async () => {
    await expect(createPolicyApp(terminate, { statusCode: 99, colour: "red" })).rejects.toMatchObject({
      problems: expect.arrayContaining([
        { path: "pipelines.test.policies[0].terminate.statusCode", message: "must be >= 100" },
        { path: "pipelines.test.policies[0].terminate.colour", message: "is not a known option" },
      ]),
    });
  });
});
