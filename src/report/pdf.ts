/**
 * The report as a printable PDF: each SVG page (src/report/pages.ts) drawn into pdfkit by
 * svg-to-pdfkit, with the shipped Noto Sans embedded, so the text is real text (it can be
 * searched, copied and read aloud) and the charts stay vector.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { FONT_FILES } from '../graphics/fonts.js';
import { FORM } from '../messages/report.js';
import type { MonitoringReport } from './model.js';
import { PAGE_HEIGHT, PAGE_WIDTH, reportPageSvgs } from './pages.js';

export interface PdfOptions {
  /** Uncompressed content streams (tests read them); default false. */
  uncompressed?: boolean;
}

export async function renderReportPdf(report: MonitoringReport, options: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [PAGE_WIDTH, PAGE_HEIGHT],
    margin: 0,
    autoFirstPage: false,
    compress: !options.uncompressed,
    info: { Title: FORM.reportTitle, Creator: 'SOP bot', Producer: 'SOP bot', CreationDate: new Date(report.generatedAt) },
    lang: 'id-ID',
  });
  doc.registerFont('NotoSans', FONT_FILES.regular);
  doc.registerFont('NotoSans-Bold', FONT_FILES.bold);
  doc.registerFont('NotoSans-Italic', FONT_FILES.italic);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  for (const svg of reportPageSvgs(report)) {
    doc.addPage({ size: [PAGE_WIDTH, PAGE_HEIGHT], margin: 0 });
    SVGtoPDF(doc, svg, 0, 0, {
      width: PAGE_WIDTH,
      height: PAGE_HEIGHT,
      assumePt: true,
      // Every family (ours, and the charts' own) is drawn in the shipped typeface.
      fontCallback: (_family: string, bold: boolean, italic: boolean) => (bold ? 'NotoSans-Bold' : italic ? 'NotoSans-Italic' : 'NotoSans'),
    });
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
