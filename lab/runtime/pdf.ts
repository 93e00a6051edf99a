/** Prints an HTML page to PDF with the machine's Chromium (headless, through playwright-core). */
import { existsSync } from "node:fs";
import { EXIT, LabError } from "../errors.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function printPdf(html: string, out: string, footer: string): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new LabError(
      `Chromium is not installed at ${CHROMIUM}`,
      "apt-get install -y chromium (scripts/setup-host.sh does), or set CHROMIUM_PATH",
      EXIT.usage,
    );
  // Loaded here, not with the CLI: playwright-core alone took 0.8 s of every command's start.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: "load" });
    await page.pdf({
      path: out,
      format: "A4",
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: `<div style="font-size:8px;width:100%;text-align:center;color:#666">${footer} — page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
      margin: { top: "18mm", bottom: "20mm", left: "16mm", right: "16mm" },
    });
  } finally {
    await browser.close();
  }
}
