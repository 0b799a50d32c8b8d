/**
 * DOCX fixtures built the way an agency's Word file is: with the `docx` writer, a letterhead,
 * an identity table whose instansi cell spans the rows, paired sections with numbered lists,
 * and an activity table with merged header cells, repeated on the next page. Swimlane shapes
 * (DrawingML and VML, as Word writes them) are put into cells afterwards, since the writer
 * has no flowchart shapes: a placeholder run ⟦DRAWING:prst:text⟧ or ⟦VML:type⟧ is replaced in
 * word/document.xml.
 */
import {
  AlignmentType,
  Document,
  LevelFormat,
  Packer,
  PageBreak,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';

type CellSpec = string | string[] | { text?: string | string[]; list?: string[]; rowSpan?: number; columnSpan?: number; bold?: boolean };

const para = (text: string, bold = false) => new Paragraph({ children: [new TextRun({ text, bold })] });

export function cell(spec: CellSpec): TableCell {
  const s = typeof spec === 'string' || Array.isArray(spec) ? { text: spec } : spec;
  const texts = s.text === undefined ? [] : Array.isArray(s.text) ? s.text : [s.text];
  const children = [
    ...texts.map((t) => para(t, s.bold)),
    ...(s.list ?? []).map((t) => new Paragraph({ text: t, numbering: { reference: 'daftar', level: 0 } })),
  ];
  return new TableCell({
    children: children.length > 0 ? children : [new Paragraph('')],
    ...(s.rowSpan ? { rowSpan: s.rowSpan } : {}),
    ...(s.columnSpan ? { columnSpan: s.columnSpan } : {}),
  });
}

export const row = (cells: CellSpec[], header = false) => new TableRow({ children: cells.map(cell), tableHeader: header });
export const table = (rows: TableRow[]) => new Table({ rows });

export async function docxOf(children: (Paragraph | Table)[]): Promise<Uint8Array> {
  const doc = new Document({
    numbering: {
      config: [{ reference: 'daftar', levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }] }],
    },
    sections: [{ children }],
  });
  const bytes = new Uint8Array(await Packer.toBuffer(doc));
  return withShapes(bytes);
}

let shapeId = 100;

function drawing(prst: string, text: string): string {
  const id = shapeId++;
  const txbx = text
    ? `<wps:txbx><w:txbxContent><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:txbxContent></wps:txbx>`
    : '';
  return (
    `<w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" behindDoc="0" distT="0" distB="0" distL="0" distR="0" simplePos="0" locked="0" layoutInCell="1" allowOverlap="1" relativeHeight="${id}">` +
    `<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>` +
    `<wp:extent cx="540000" cy="270000"/><wp:wrapNone/><wp:docPr id="${id}" name="Bentuk ${id}"/>` +
    `<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">` +
    `<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:cNvSpPr/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="540000" cy="270000"/></a:xfrm>` +
    `<a:prstGeom prst="${prst}"><a:avLst/></a:prstGeom></wps:spPr>${txbx}<wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>`
  );
}

const vml = (type: string) => `<w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" type="#_x0000_t${type}" style="width:40pt;height:20pt"/></w:pict>`;

function withShapes(bytes: Uint8Array): Uint8Array {
  const files = unzipSync(bytes);
  const xml = strFromU8(files['word/document.xml']!);
  const replaced = xml.replace(/<w:r>(?:<w:rPr>(?:(?!<\/w:rPr>).)*<\/w:rPr>)?<w:t xml:space="preserve">⟦(DRAWING|VML|ALT):([^:⟧]*):?([^⟧]*)⟧<\/w:t><\/w:r>/g, (_m, kind: string, a: string, b: string) => {
    if (kind === 'DRAWING') return `<w:r>${drawing(a, b)}</w:r>`;
    if (kind === 'VML') return `<w:r>${vml(a)}</w:r>`;
    // Word 2010+ writes a DrawingML shape with a VML fallback of the same shape.
    return `<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="wps">${drawing(a, b)}</mc:Choice><mc:Fallback>${vml('109')}</mc:Fallback></mc:AlternateContent></w:r>`;
  });
  files['word/document.xml'] = strToU8(replaced);
  return zipSync(files);
}

/** A real-looking SOP of a Badan Kesbangpol: Pelayanan Izin Penelitian, over two pages. */
export async function izinPenelitianDocx(): Promise<Uint8Array> {
  const header = () => [
    row([{ text: 'No', rowSpan: 2 }, { text: 'Kegiatan', rowSpan: 2 }, { text: 'Pelaksana', columnSpan: 4 }, { text: 'Mutu Baku', columnSpan: 3 }, { text: 'Keterangan', rowSpan: 2 }], true),
    row(['Pemohon', 'Staf Pelayanan', 'Kepala Bidang', 'Kepala Badan', 'Kelengkapan', 'Waktu', 'Output'], true),
  ];
  const empty = '';
  return docxOf([
    para('PEMERINTAH KOTA CONTOH', true),
    para('BADAN KESATUAN BANGSA DAN POLITIK', true),
    table([
      row([{ text: ['PEMERINTAH KOTA CONTOH', 'BADAN KESATUAN BANGSA DAN POLITIK', 'BIDANG POLITIK DALAM NEGERI'], rowSpan: 6 }, 'Nomor SOP', '070/215/KESBANGPOL/2025']),
      row(['Tanggal Pembuatan', '6 Januari 2025']),
      row(['Tanggal Revisi', '-']),
      row(['Tanggal Efektif', '13 Januari 2025']),
      row(['Disahkan oleh', ['KEPALA BADAN KESATUAN BANGSA DAN POLITIK', 'Drs. BUDI SANTOSO, M.Si.', 'NIP. 19700512 199603 1 004']]),
      row(['Nama SOP', 'PELAYANAN IZIN PENELITIAN']),
    ]),
    table([
      row(['Dasar Hukum', 'Kualifikasi Pelaksana']),
      row([
        { list: ['Undang-Undang Nomor 2 Tahun 2011 tentang Partai Politik', 'Peraturan Menteri Dalam Negeri Nomor 3 Tahun 2018 tentang Penerbitan Surat Keterangan Penelitian'] },
        { list: ['Memahami tata naskah dinas', 'Mampu mengoperasikan komputer'] },
      ]),
      row(['Keterkaitan', 'Peralatan/Perlengkapan']),
      row([{ list: ['SOP Pengelolaan Surat Masuk'] }, { list: ['Komputer', 'Printer'] }]),
      row(['Peringatan', 'Pencatatan dan Pendataan']),
      row(['Apabila SOP ini tidak dilaksanakan, izin penelitian terlambat terbit', { list: ['Buku agenda izin penelitian'] }]),
    ]),
    table([
      ...header(),
      row(['1', 'Mengajukan permohonan izin penelitian', '⟦DRAWING:flowChartTerminator:MULAI⟧', empty, empty, empty, 'Surat pengantar dari perguruan tinggi', '10 menit', 'Berkas permohonan', empty]),
      row(['2', 'Memeriksa kelengkapan berkas permohonan', empty, '⟦VML:109⟧', empty, empty, { list: ['Berkas permohonan', 'Fotokopi KTP', 'Proposal penelitian'] }, ['15', 'Menit'], 'Hasil pemeriksaan', empty]),
      row(['3', 'Ditolak', empty, '⟦ALT:flowChartDecision:⟧', empty, empty, empty, empty, empty, empty]),
      row(['4', 'Membuat surat penolakan', empty, '⟦DRAWING:flowChartProcess:⟧', empty, empty, 'Hasil pemeriksaan', '30 menit', 'Surat penolakan', empty]),
      row([empty, 'Diterima', empty, empty, empty, empty, empty, empty, empty, empty]),
      row(['5', 'Menyusun konsep surat izin penelitian', empty, '⟦DRAWING:flowChartProcess:⟧', empty, empty, 'Hasil pemeriksaan', '1 jam', 'Konsep surat izin', empty]),
    ]),
    new Paragraph({ children: [new PageBreak()] }),
    table([
      ...header(),
      row([empty, 'Memeriksa dan memaraf surat penolakan atau konsep surat izin', empty, empty, '□', empty, 'Konsep surat', '30 menit', 'Surat yang telah diparaf', 'Jika belum sesuai dikembalikan ke Staf Pelayanan']),
      row(['6', 'Menandatangani surat penolakan atau surat izin penelitian', empty, empty, empty, '⟦VML:109⟧', 'Surat yang telah diparaf', '1 hari', 'Surat yang ditandatangani', empty]),
      row(['7', 'Menyerahkan surat penolakan atau surat izin kepada pemohon', empty, '⟦DRAWING:flowChartProcess:⟧', empty, empty, 'Surat yang ditandatangani', '10 menit', 'Tanda terima', empty]),
      row(['8', 'Melaporkan pelaksanaan penelitian', '⟦DRAWING:flowChartTerminator:SELESAI⟧', empty, empty, empty, 'Surat izin penelitian', 'Maksimal 7 hari setelah kegiatan 7', 'Laporan hasil penelitian', empty]),
    ]),
  ]);
}
