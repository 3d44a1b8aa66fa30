import exifr from 'exifr';
import type { MediaMetadata } from '../domain/media';

const SERIAL_TAGS = ['SerialNumber', 'BodySerialNumber', 'LensSerialNumber', 'InternalSerialNumber', 'CameraSerialNumber'];
const PEOPLE_TAGS = ['Artist', 'XPAuthor', 'Author', 'creator', 'Creator', 'OwnerName', 'CameraOwnerName', 'By-line', 'Copyright', 'rights'];

const asText = (value: unknown): string | null => {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(asText).filter(Boolean).join('、') || null;
  if (value && typeof value === 'object' && 'value' in value) return asText((value as { value: unknown }).value);
  return null;
};

/** Reads GPS, serial numbers and author fields from EXIF, XMP and IPTC; nothing found is `{present: false}`. */
export async function readMetadata(bytes: Buffer): Promise<MediaMetadata> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(bytes, { gps: true, tiff: true, exif: true, xmp: true, iptc: true, ifd1: false, mergeOutput: true })) as Record<string, unknown> | undefined;
  } catch {
    tags = undefined;
  }
  if (!tags) return { present: false };
  const meta: MediaMetadata = { present: false };
  const lat = tags.latitude;
  const lon = tags.longitude;
  if (typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon)) meta.gps = { latitude: lat, longitude: lon };
  const serials = SERIAL_TAGS.map((t) => asText(tags[t])).filter((v): v is string => Boolean(v));
  if (serials.length) meta.serials = [...new Set(serials)];
  const people = PEOPLE_TAGS.map((t) => asText(tags[t])).filter((v): v is string => Boolean(v));
  if (people.length) meta.people = [...new Set(people)];
  const camera = [asText(tags.Make), asText(tags.Model)].filter(Boolean).join(' ');
  if (camera) meta.camera = camera;
  meta.present = Boolean(meta.gps || meta.serials || meta.people || meta.camera);
  return meta;
}
