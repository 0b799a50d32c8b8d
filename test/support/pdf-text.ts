/**
 * The text of a PDF, page by page, read with Mozilla's pdf.js (what Firefox shows PDFs with): a
 * test can then say what a reader of the page sees, whatever the writer's font encoding.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export async function pdfText(pdf: Buffer | Uint8Array): Promise<{ pages: string[]; text: string; sizes: { width: number; height: number }[] }> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  const sizes: { width: number; height: number }[] = [];
  try {
    for (let i = 1; i <= doc.numPages; i++) {
      const page = await doc.getPage(i);
      const viewport = page.getViewport({ scale: 1 });
      sizes.push({ width: Math.round(viewport.width), height: Math.round(viewport.height) });
      const content = await page.getTextContent();
      // Items on one line are joined with spaces; a new line where the text says so.
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str + (item.hasEOL ? '\n' : ' ');
      }
      pages.push(text.replace(/[ \t]+/g, ' '));
    }
  } finally {
    await doc.destroy();
  }
  return { pages, text: pages.join('\n'), sizes };
}
