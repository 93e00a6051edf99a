/**
 * Pure: a Markdown document -> one self-contained HTML page ready to print: images inlined as
 * data URIs (the caller reads them), links to other docs kept as text, a print stylesheet with
 * A4 pages and numbered headings left as written.
 */
import { Marked } from "marked";

const STYLE = `
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt;
       line-height: 1.4; color: #111; }
h1 { font-size: 20pt; border-bottom: 2px solid #335; padding-bottom: 4pt; }
h2 { font-size: 14pt; color: #224; margin-top: 18pt; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; font-size: 8.5pt; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999; padding: 3pt 4pt; vertical-align: top; text-align: left; }
th { background: #e8e8f0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; background: #f3f3f3; }
img { max-width: 100%; display: block; margin: 8pt auto; }
figure.diagram { break-before: page; }
`;

export interface HtmlDocument {
  html: string;
  /** image paths the Markdown refers to that `images` did not provide */
  missingImages: string[];
  headings: string[];
}

/** `images`: a data URI per relative path used in the Markdown. */
export function markdownToHtml(
  markdown: string,
  title: string,
  images: Record<string, string>,
): HtmlDocument {
  const missingImages: string[] = [];
  const headings: string[] = [];
  const marked = new Marked({
    renderer: {
      image({ href, text }) {
        const src = images[href];
        if (!src) missingImages.push(href);
        return `<figure class="diagram"><img src="${src ?? ""}" alt="${escapeHtml(text)}"><figcaption>${escapeHtml(text.replaceAll("`", ""))}</figcaption></figure>`;
      },
      heading({ tokens, depth }) {
        const text = this.parser.parseInline(tokens);
        headings.push(text.replace(/<[^>]+>/g, ""));
        return `<h${depth}>${text}</h${depth}>\n`;
      },
    },
  });
  const body = marked.parse(markdown, { async: false });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
  return { html, missingImages, headings };
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c,
  );
}

export const svgDataUri = (svg: string) =>
  `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
