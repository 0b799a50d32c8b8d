/**
 * The sheet as a vector PDF for print: pdfkit writes the document, svg-to-pdfkit draws each
 * page's SVG into it as paths and real text, set in the shipped Noto Sans (embedded as a
 * subset), so what prints is what the layout measured and the text can be searched and copied.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { fontOf, type FontWeight } from '../graphics/fonts.js';

const FONT_NAME: Record<FontWeight, string> = { regular: 'NotoSans', bold: 'NotoSans-Bold', italic: 'NotoSans-Italic' };
const WEIGHTS = Object.keys(FONT_NAME) as FontWeight[];

export interface PdfPage {
  svg: string;
  /** Page size in points. */
  width: number;
  height: number;
}

export interface PdfInfo {
  title: string;
  /** Recorded as the document's creation date (the same input gives the same bytes). */
  createdAt: Date;
}

export function pagesToPdf(pages: PdfPage[], info: PdfInfo): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      autoFirstPage: false,
      // The shipped font as the document's default too, so pdfkit loads no standard font.
      font: fontOf('regular') as unknown as string,
      margin: 0,
      compress: true,
      info: { Title: info.title, Creator: 'sopbot', Producer: 'sopbot', CreationDate: info.createdAt, ModDate: info.createdAt },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      // The parsed fonts are shared between documents (pdfkit takes a fontkit font as it is):
      // parsing the TTF tables again for every PDF was a fifth of its time.
      for (const w of WEIGHTS) doc.registerFont(FONT_NAME[w], fontOf(w) as unknown as string);
      for (const page of pages) {
        doc.addPage({ size: [page.width, page.height], margin: 0 });
        // The SVG states its size in pt for viewers; svg-to-pdfkit would take "pt" for 4/3 of a
        // user unit and scale the page up, so it gets the bare numbers (user units are points here).
        const svg = page.svg.replace(/^(<svg[^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"/, '$1 width="$2" height="$3"');
        SVGtoPDF(doc, svg, 0, 0, {
          width: page.width,
          height: page.height,
          assumePt: true,
          fontCallback: (_family: string, bold: boolean, italic: boolean) => FONT_NAME[bold ? 'bold' : italic ? 'italic' : 'regular'],
          warningCallback: (message: string) => {
            throw new Error(`svg-to-pdfkit: ${message}`);
          },
        });
      }
      doc.end();
    } catch (e) {
      reject(e as Error);
    }
  });
}
