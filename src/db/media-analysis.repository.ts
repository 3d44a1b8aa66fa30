import { sql } from 'drizzle-orm';
import type { MediaAnalysis } from '../domain/media';
import type { Executor } from './pool';

/** Cached analyses of these files made by analyser `version`. */
export async function findMediaAnalyses(db: Executor, hashes: readonly string[], version: string): Promise<Map<string, MediaAnalysis>> {
  if (hashes.length === 0) return new Map();
  const result = await db.execute<{ media: string; result: MediaAnalysis }>(sql`
    SELECT media, result FROM media_analyses
     WHERE media = ANY(${`{${hashes.filter((h) => /^[0-9a-f]{64}$/.test(h)).join(',')}}`}::text[])
       AND analyser_version = ${version}`);
  return new Map(result.rows.map((r) => [r.media, r.result]));
}

/** Stores an analysis; a concurrent writer of the same file and version wins harmlessly (same facts). */
export async function saveMediaAnalysis(db: Executor, analysis: MediaAnalysis, analysedMs: number): Promise<void> {
  await db.execute(sql`
    INSERT INTO media_analyses (media, analyser_version, kind, dhash, result, analysed_ms)
    VALUES (${analysis.media}, ${analysis.version}, ${analysis.kind}, ${analysis.dhash ?? null}, ${JSON.stringify(analysis)}::jsonb, ${Math.round(analysedMs)})
    ON CONFLICT (media) DO UPDATE SET analyser_version = EXCLUDED.analyser_version, kind = EXCLUDED.kind, dhash = EXCLUDED.dhash,
      result = EXCLUDED.result, analysed_ms = EXCLUDED.analysed_ms, created_at = now()
      WHERE media_analyses.analyser_version <> EXCLUDED.analyser_version`);
}

export type GalleryEntry = {
  id: string;
  list: 'licensed' | 'forbidden';
  dhash: string;
  media: string | null;
  holder: string | null;
  note: string;
  distance: number;
};

/** Gallery pictures within `maxBits` of `dhash` (Hamming distance of the 64-bit difference hashes). */
export async function galleryLookAlikes(db: Executor, dhash: string, maxBits: number): Promise<GalleryEntry[]> {
  const result = await db.execute<GalleryEntry>(sql`
    SELECT id, list, dhash, media, holder, note,
           bit_count(('x' || dhash)::bit(64) # ('x' || ${dhash})::bit(64))::int AS distance
      FROM media_gallery
     WHERE bit_count(('x' || dhash)::bit(64) # ('x' || ${dhash})::bit(64)) <= ${maxBits}
     ORDER BY distance LIMIT 5`);
  return result.rows;
}

/** Adds a picture to the gallery. */
export async function addGalleryEntry(db: Executor, entry: { list: 'licensed' | 'forbidden'; dhash: string; media?: string | null; holder?: string | null; note?: string; createdBy?: string | null }): Promise<string> {
  const result = await db.execute<{ id: string }>(sql`
    INSERT INTO media_gallery (list, dhash, media, holder, note, created_by)
    VALUES (${entry.list}, ${entry.dhash}, ${entry.media ?? null}, ${entry.holder ?? null}, ${entry.note ?? ''}, ${entry.createdBy ?? null})
    RETURNING id`);
  return result.rows[0]!.id;
}
