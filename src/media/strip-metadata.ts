/**
 * Removes what a picture says about where, with what and by whom it was taken — EXIF, XMP, IPTC and comments —
 * without decoding it: the compressed pixel data is copied byte for byte, so nothing of the picture changes.
 * JPEG: APP1 (Exif, XMP), APP12, APP13 (IPTC/Photoshop) and COM segments are dropped; the ICC profile (APP2) and
 * JFIF/Adobe markers stay. PNG: eXIf, tEXt, zTXt, iTXt and tIME chunks are dropped. WebP/GIF: refused (not supported
 * here), so the caller says so instead of pretending.
 */
export class MetadataStripError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataStripError';
  }
}

const DROP_JPEG = new Set([0xe1, 0xec, 0xed, 0xfe]);
const DROP_PNG = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripJpeg(bytes: Buffer): Buffer {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new MetadataStripError('not a JPEG');
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) throw new MetadataStripError(`JPEG marker expected at byte ${at}`);
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda) {
      // Start of scan: the rest (entropy-coded data and EOI) is copied as it is.
      parts.push(bytes.subarray(at));
      return Buffer.concat(parts);
    }
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(bytes.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) throw new MetadataStripError('JPEG segment header cut off');
    const length = bytes.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) throw new MetadataStripError('JPEG segment runs past the end of the file');
    if (!DROP_JPEG.has(marker)) parts.push(bytes.subarray(at, end));
    at = end;
  }
  throw new MetadataStripError('JPEG without image data');
}

function stripPng(bytes: Buffer): Buffer {
  const signature = bytes.subarray(0, 8);
  if (!signature.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new MetadataStripError('not a PNG');
  const parts: Buffer[] = [signature];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > bytes.length) throw new MetadataStripError(`PNG chunk ${type} runs past the end of the file`);
    if (!DROP_PNG.has(type)) parts.push(bytes.subarray(at, end));
    at = end;
    if (type === 'IEND') return Buffer.concat(parts);
  }
  throw new MetadataStripError('PNG without IEND');
}

/** The same picture without its metadata. @throws MetadataStripError for formats or files it cannot rewrite */
export function stripMetadata(bytes: Buffer, mime: string): Buffer {
  if (mime === 'image/jpeg') return stripJpeg(bytes);
  if (mime === 'image/png') return stripPng(bytes);
  throw new MetadataStripError(`去除元数据暂不支持 ${mime}`);
}
