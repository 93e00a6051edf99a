/**
 * The API docs page in a real browser (Chromium from Debian, driven by Playwright): through the
 * lab's entry point, with every request that leaves the lab blocked, it lists the operations, and
 * the page's Content-Security-Policy blocks nothing it needs.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLab } from "../../lab/running/lab.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { theLab } from "../support/lab.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

describe("the docs page in Chromium", () => {
  it("lists the operations with no network access beyond the lab", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM}: apt-get install chromium (setup-host.sh)`).toBe(
      true,
    );
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      // The page is what is tested here, not the certificate (other tests check that).
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const outside: string[] = [];
      const inside: string[] = [];
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        const lab_ =
          url.hostname === lab.config.domain || url.hostname.endsWith(`.${lab.config.domain}`);
        if (lab_ || url.protocol === "data:") {
          inside.push(url.pathname);
          return route.continue();
        }
        outside.push(url.href);
        return route.abort();
      });
      const violations: string[] = [];
      page.on("console", (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      const res = await page.goto(lab.url("app", "/docs"), { waitUntil: "networkidle" });
      expect(res?.status()).toBe(200);
      expect(res?.headers()["content-security-policy"]).toMatch(/default-src 'none'/);
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      const operations = await page.$$eval(".opblock-summary-path", (els) =>
        els.map((e) => e.getAttribute("data-path") ?? e.textContent ?? ""),
      );
      const dir = join(REPO_ROOT, "reports");
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, "docs-page.png"), fullPage: true });
      expect(outside).toEqual([]);
      expect(violations).toEqual([]);
      expect(inside).toContain("/docs-assets/swagger-ui-bundle.js");
      expect(inside).toContain("/openapi.json");
      expect(operations.length).toBeGreaterThanOrEqual(8);
      expect(operations).toEqual(
        expect.arrayContaining(["/auth/token", "/users", "/users/{user_id}"]),
      );
    } finally {
      await browser.close();
    }
  }, 90_000);
});
