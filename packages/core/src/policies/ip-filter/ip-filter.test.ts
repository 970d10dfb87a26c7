import { afterEach, describe, expect, it } from "@jest/globals";
import { builtinPolicies, type Gateway } from "@turnpike/core";
import { createPolicyApp } from "@turnpike/testing";
import request from "supertest";

const ipFilter = builtinPolicies.find((p) => p.name === "ip-filter")!;
const at = "pipelines.test.policies[0].ip-filter";

// supertest reaches gw.app over loopback: the peer is 127.0.0.1, often as ::ffff:127.0.0.1.
describe("ip-filter", () => {
  let gw: Gateway | undefined;
  afterEach(async () => gw?.close());

  it("lets listed clients through and refuses others with 403 IP_NOT_ALLOWED", async () => {
    gw = await createPolicyApp(ipFilter, { allow: ["loopback"] });
    expect((await request(gw.app).get("/x").expect(200)).body.ok).toBe(true);
    await gw.close();

    gw = await createPolicyApp(ipFilter, { allow: ["10.0.0.0/8", "2001:db8::/32"] });
    const res = await request(gw.app).get("/x").expect(403);
    expect(res.body).toEqual({ error: { status: 403, code: "IP_NOT_ALLOWED", message: "Requests from this address are not allowed" } });
  });

  it("matches IPv4 ranges against IPv4-mapped IPv6 peers, and deny wins over allow", async () => {
    gw = await createPolicyApp(ipFilter, { deny: ["127.0.0.0/8"] });
    await request(gw.app).get("/x").expect(403);
    await gw.close();

    gw = await createPolicyApp(ipFilter, { allow: ["loopback"], deny: ["127.0.0.1"] });
    await request(gw.app).get("/x").expect(403);
    await gw.close();

    gw = await createPolicyApp(ipFilter, { deny: ["192.0.2.0/24"] });
    await request(gw.app).get("/x").expect(200);
  });

  it("uses the trustProxy decision: X-Forwarded-For counts only from a trusted peer", async () => {
    gw = await createPolicyApp(ipFilter, { allow: ["198.51.100.0/24"] });
    await request(gw.app).get("/x").set("x-forwarded-for", "198.51.100.7").expect(403);
    await gw.close();

    gw = await createPolicyApp(ipFilter, { allow: ["198.51.100.0/24"] }, { config: { trustProxy: ["loopback"] } });
    await request(gw.app).get("/x").set("x-forwarded-for", "198.51.100.7").expect(200);
    await request(gw.app).get("/x").set("x-forwarded-for", "203.0.113.9").expect(403);
  });

  it("refuses bad lists at load, each problem at its path", async () => {
    await expect(createPolicyApp(ipFilter, {})).rejects.toMatchObject({
      problems: [{ path: at, message: expect.stringContaining("needs allow, deny or both") }],
    });
    await expect(createPolicyApp(ipFilter, { allow: ["10.0.0.0/33", "loopback"], deny: ["127.0.0.1", "nope"] })).rejects.toMatchObject({
      problems: [
        { path: `${at}.allow[0]`, message: expect.stringContaining('"10.0.0.0/33" is not an IP address') },
        { path: `${at}.deny[1]`, message: expect.stringContaining('"nope" is not an IP address') },
      ],
    });
    await expect(createPolicyApp(ipFilter, { allow: [] })).rejects.toMatchObject({
      problems: [{ path: `${at}.allow`, message: expect.stringContaining("must NOT have fewer than 1 items") }],
    });
  });
});
