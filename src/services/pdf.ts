import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { prepareZXingModule, writeBarcode } from 'zxing-wasm/full';
import { DomainError } from '../domain/errors';
import type { RecordsConfig } from './deps';

/**
 * Server-side A4 PDFs (pdfkit) with an embedded CJK font: no browser is needed to print a 审稿单 or a 年检 report.
 * The font is embedded as a subset, so a PDF opens the same on any machine.
 */
export type Pdf = PDFKit.PDFDocument;

export const A4 = { width: 595.28, height: 841.89, margin: 48 } as const;

/** The font must be on the server (Debian: fonts-wqy-microhei); without it we say so instead of printing tofu. */
export function assertFont(config: RecordsConfig): void {
  if (!existsSync(config.fontPath)) {
    throw new DomainError('service_unavailable', `服务器缺少中文字体文件 ${config.fontPath}，无法生成 PDF（Debian/Ubuntu：apt-get install fonts-wqy-microhei，或设置 PDF_FONT_PATH / PDF_FONT_NAME）`, {
      font: config.fontPath,
    });
  }
}

export function newPdf(config: RecordsConfig, info: { title: string; subject?: string }): Pdf {
  assertFont(config);
  const doc = new PDFDocument({ size: 'A4', margin: A4.margin, bufferPages: true, info: { Title: info.title, Subject: info.subject ?? '', Producer: 'sanshen', Creator: 'sanshen 三审三校' } });
  // A .ttc holds several faces: pdfkit picks one by its PostScript name.
  doc.registerFont('cjk', config.fontPath, config.fontName);
  doc.font('cjk');
  return doc;
}

/** Collects the document into one buffer. */
export function pdfBuffer(doc: Pdf): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

let zxingReady = false;
/** zxing-wasm fetches its .wasm from a CDN unless handed the bytes: the module ships them, so nothing is downloaded. */
function prepareZxing(): void {
  if (zxingReady) return;
  const bytes = readFileSync(require.resolve('zxing-wasm/full/zxing_full.wasm'));
  prepareZXingModule({ overrides: { wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
  zxingReady = true;
}

/** A QR code's modules (true = dark), from zxing-wasm's writer. */
export async function qrMatrix(text: string): Promise<{ size: number; dark: (x: number, y: number) => boolean }> {
  prepareZxing();
  const result = await writeBarcode(text, { format: 'QRCode', ecLevel: 'M', scale: 1, withQuietZones: false });
  if (result.error) throw new Error(`QR code: ${result.error}`);
  const { width, data } = result.symbol;
  return { size: width, dark: (x, y) => data[y * width + x] === 0 };
}

/** Draws a QR code as vector squares with a 4-module quiet zone. */
export async function drawQr(doc: Pdf, text: string, x: number, y: number, side: number): Promise<void> {
  const qr = await qrMatrix(text);
  const cell = side / (qr.size + 8);
  doc.save().rect(x, y, side, side).fill('#ffffff');
  doc.fillColor('#000000');
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) if (qr.dark(col, row)) doc.rect(x + (col + 4) * cell, y + (row + 4) * cell, cell, cell);
  }
  doc.fill('#000000').restore();
}

export interface Column {
  header: string;
  width: number;
}

/**
 * A bordered table that wraps text in its cells and breaks across pages (repeating the header).
 * Rows are arrays of strings, one per column.
 */
export function table(doc: Pdf, columns: readonly Column[], rows: ReadonlyArray<readonly string[]>, options: { fontSize?: number; minRowHeight?: number } = {}): void {
  const size = options.fontSize ?? 9;
  const pad = 4;
  const left = A4.margin;
  const drawRow = (cells: readonly string[], header: boolean) => {
    doc.fontSize(size);
    const heights = columns.map((c, i) => doc.heightOfString(cells[i] ?? '', { width: c.width - pad * 2 }));
    const h = Math.max(header ? 0 : (options.minRowHeight ?? 0), ...heights) + pad * 2;
    if (doc.y + h > A4.height - A4.margin) {
      doc.addPage();
      if (!header)
        drawRow(
          columns.map((c) => c.header),
          true,
        );
    }
    const top = doc.y;
    let x = left;
    columns.forEach((c, i) => {
      if (header) doc.save().rect(x, top, c.width, h).fill('#f0f0f0').restore();
      doc.rect(x, top, c.width, h).lineWidth(0.5).stroke('#333333');
      doc.fillColor('#000000').text(cells[i] ?? '', x + pad, top + pad, { width: c.width - pad * 2 });
      x += c.width;
    });
    doc.x = left;
    doc.y = top + h;
  };
  drawRow(
    columns.map((c) => c.header),
    true,
  );
  for (const r of rows) drawRow(r, false);
  doc.moveDown(0.5);
}

/** Label/value pairs as a two-or-four-column grid (a form header). */
export function fields(doc: Pdf, pairs: ReadonlyArray<[string, string]>, perRow = 2): void {
  const content = A4.width - A4.margin * 2;
  const labelW = 70;
  const valueW = content / perRow - labelW;
  const rows: string[][] = [];
  for (let i = 0; i < pairs.length; i += perRow) rows.push(pairs.slice(i, i + perRow).flatMap(([k, v]) => [k, v]));
  const columns = Array.from({ length: perRow }, () => [
    { header: '', width: labelW },
    { header: '', width: valueW },
  ]).flat();
  const pad = 4;
  for (const r of rows) {
    doc.fontSize(9);
    const h = Math.max(...columns.map((c, i) => doc.heightOfString(r[i] ?? '', { width: c.width - pad * 2 }))) + pad * 2;
    if (doc.y + h > A4.height - A4.margin) doc.addPage();
    const top = doc.y;
    let x = A4.margin;
    columns.forEach((c, i) => {
      if (i % 2 === 0) doc.save().rect(x, top, c.width, h).fill('#f0f0f0').restore();
      doc.rect(x, top, c.width, h).lineWidth(0.5).stroke('#333333');
      doc.fillColor('#000000').text(r[i] ?? '', x + pad, top + pad, { width: c.width - pad * 2 });
      x += c.width;
    });
    doc.x = A4.margin;
    doc.y = top + h;
  }
  doc.moveDown(0.5);
}

export function heading(doc: Pdf, text: string, size = 11): void {
  if (doc.y + size * 3 > A4.height - A4.margin) doc.addPage();
  doc
    .moveDown(0.3)
    .fontSize(size)
    .fillColor('#000000')
    .text(text, A4.margin, doc.y, { width: A4.width - A4.margin * 2 });
  doc.moveDown(0.3);
}

export function formatLocal(at: Date | string | null | undefined, timeZone: string): string {
  if (!at) return '—';
  return new Intl.DateTimeFormat('zh-CN', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));
}

/** Page numbers in the footer, once every page exists. */
export function pageNumbers(doc: Pdf, label: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .fontSize(8)
      .fillColor('#666666')
      .text(`${label}　第 ${i - range.start + 1} / ${range.count} 页`, A4.margin, A4.height - 30, { width: A4.width - A4.margin * 2, align: 'center' });
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor('#000000');
}
