/**
 * Swagger UI as a person sees it: the `docs` route rendered by a real (headless) Chromium. Run with
 * `npm run test:browser` (CHROMIUM_PATH, default /usr/bin/chromium); not part of `npm test`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { launch, type Browser } from "puppeteer-core";
import path from "node:path";
import plugin from "../../src/index.js";
import { FIXTURES } from "../helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("docs: Swagger UI in a real browser", () => {
  let gateway: Gateway;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await createGateway({
      logger: silentLogger,
      baseDir: FIXTURES,
      policies: [...plugin.policies!],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        docs: { path: "/docs" },
        apiEndpoints: { pets: { openapi: path.join(FIXTURES, "petstore.yaml") } },
        pipelines: { pets: { apiEndpoints: ["pets"], policies: [{ mock: { from: "openapi" } }] } },
      },
    });
    url = (await gateway.listen()).http!;
    browser = await launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("renders the document's operations from files the gateway serves itself (no CDN)", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => void requested.push(request.url()));
    await page.goto(`${url}/docs`, { waitUntil: "networkidle0", timeout: 20_000 });
    await page.waitForSelector(".opblock-summary-path", { timeout: 20_000 });
    const title = await page.$eval(".information-container .title", (el) => el.textContent ?? "");
    const paths = await page.$$eval(".opblock-summary-path", (els) =>
      els.map((el) => el.getAttribute("data-path") ?? el.textContent ?? ""),
    );
    const methods = await page.$$eval(".opblock-summary-method", (els) => els.map((el) => el.textContent ?? ""));
    expect(title).toContain("Swagger Petstore");
    expect([...new Set(paths)].sort()).toEqual(["/v1/pets", "/v1/pets/{petId}"]);
    expect(methods.sort()).toEqual(["GET", "GET", "POST"]);
    // Everything the page loaded came from the gateway.
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((r) => !r.startsWith(url) && !r.startsWith("data:"))).toEqual([]);
    await page.close();
  });
});
