import sharp from 'sharp';
import { readMetadata } from '../../../src/media/metadata';
import { MetadataStripError, stripMetadata } from '../../../src/media/strip-metadata';
import { renderPoster } from '../../fixtures/media/posters';

const EXIF = {
  IFD0: { Artist: '张三', Make: 'Canon', Model: 'EOS R6', ImageDescription: '宿舍楼下' },
  IFD2: { BodySerialNumber: '012345678901' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' },
};
const pixels = async (bytes: Buffer) => (await sharp(bytes).raw().toBuffer()).toString('base64');

describe('stripping metadata', () => {
  it('a JPEG loses GPS, serial and author, and decodes to exactly the same pixels', async () => {
    const { bytes } = await renderPoster({ width: 640, height: 480, lines: [{ text: '运动会', size: 48 }], format: 'jpeg', exif: EXIF });
    expect((await readMetadata(bytes)).gps).toBeDefined();
    const stripped = stripMetadata(bytes, 'image/jpeg');
    expect(stripped.length).toBeLessThan(bytes.length);
    expect(await readMetadata(stripped)).toEqual({ present: false });
    expect(await pixels(stripped)).toBe(await pixels(bytes));
  });

  it('a PNG loses its text chunks and keeps its pixels', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .png()
      .withMetadata()
      .toBuffer();
    // Add a tEXt chunk by hand (author) before IEND.
    const text = Buffer.from('Author\0李四', 'latin1');
    const { crc32 } = await import('node:zlib');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(text.length);
    const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), text]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    const withText = Buffer.concat([png.subarray(0, png.length - 12), len, body, crc, png.subarray(png.length - 12)]);
    const stripped = stripMetadata(withText, 'image/png');
    expect(stripped.includes(Buffer.from('tEXt'))).toBe(false);
    expect(await pixels(stripped)).toBe(await pixels(withText));
  });

  it.each([
    ['a truncated JPEG', (b: Buffer) => b.subarray(0, 40), 'image/jpeg'],
    ['bytes that are not the PNG they claim to be', (b: Buffer) => b, 'image/png'],
    ['WebP', (b: Buffer) => b, 'image/webp'],
  ])('%s is refused, not half-written', async (_n, cut, mime) => {
    const { bytes } = await renderPoster({ width: 200, height: 100, lines: [{ text: 'x', size: 20 }], format: 'jpeg', exif: EXIF });
    expect(() => stripMetadata(cut(bytes), mime)).toThrow(MetadataStripError);
  });
});
