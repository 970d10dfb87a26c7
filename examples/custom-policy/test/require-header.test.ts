import { afterEach, describe, expect, it } from "@jest/globals";
import type { Gateway } from "@turnpike/core";
import { createPolicyApp, startUpstream, type TestUpstream } from "@turnpike/testing";
import request from "supertest";
import { requireHeader } from "../plugins/require-header/index.js";

describe("require-header policy", () => {
  let gw: Gateway | undefined;
  let upstream: TestUpstream | undefined;
  afterEach(async () => {
    await gw?.close();
    await upstream?.close();
    gw = upstream = undefined;
  });

  it("rejects a request without the header with a JSON 400", async () => {
    gw = await createPolicyApp(requireHeader, { header: "Accept-Version" });
    const res = await request(gw.app).get("/items").expect(400);
    expect(res.body).toEqual({ error: { status: 400, code: "BAD_REQUEST", message: "The Accept-Version header is required" } });
  });

  it("accepts only the listed values, and forwards the value upstream under another name", async () => {
    upstream = await startUpstream();
    gw = await createPolicyApp(
      requireHeader,
      { header: "Accept-Version", values: ["1", "2"], forwardAs: "x-api-version" },
      { upstream: upstream.url },
    );
    await request(gw.app).get("/items").set("accept-version", "3").expect(400);
    await request(gw.app).get("/items").set("accept-version", "2").expect(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers["x-api-version"]).toBe("2");
  });

  it("refuses bad options at load time, with their paths", async () => {
    await expect(createPolicyApp(requireHeader, { heder: "x" })).rejects.toMatchObject({
      problems: [
        { path: "pipelines.test.policies[0].require-header.header", message: "is required" },
        { path: "pipelines.test.policies[0].require-header.heder", message: "is not a known option" },
      ],
    });
  });
});
