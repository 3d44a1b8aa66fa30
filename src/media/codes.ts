import { readFileSync } from 'node:fs';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import type { DecodedCode } from '../domain/media';

let prepared: Promise<unknown> | undefined;

/** Loads zxing's WebAssembly from the installed package (by default it would fetch it from a CDN: never here). */
function prepare(): Promise<unknown> {
  return (prepared ??= Promise.resolve(
    prepareZXingModule({
      overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')).buffer as ArrayBuffer },
      fireImmediately: true,
    }),
  ));
}

/** Decodes every QR code and barcode in an RGBA picture; boxes divided by `scale` into original pixels. */
export async function decodeCodes(rgba: Buffer, width: number, height: number, scale: number): Promise<DecodedCode[]> {
  await prepare();
  const image = { data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0];
  const results = await readBarcodes(image, { tryHarder: true, maxNumberOfSymbols: 16 });
  return results
    .filter((r) => r.isValid && r.text)
    .map((r) => {
      const p = r.position;
      const xs = [p.topLeft.x, p.topRight.x, p.bottomLeft.x, p.bottomRight.x];
      const ys = [p.topLeft.y, p.topRight.y, p.bottomLeft.y, p.bottomRight.y];
      const x0 = Math.min(...xs);
      const y0 = Math.min(...ys);
      return {
        format: r.format,
        text: r.text,
        box: {
          x: Math.round(x0 / scale),
          y: Math.round(y0 / scale),
          width: Math.round((Math.max(...xs) - x0) / scale),
          height: Math.round((Math.max(...ys) - y0) / scale),
        },
      };
    });
}
