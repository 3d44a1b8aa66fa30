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
export async function addGalleryEntry(
  db: Executor,
  entry: { list: 'licensed' | 'forbidden'; dhash: string; media?: string | null; holder?: string | null; note?: string; createdBy?: string | null },
): Promise<string> {
  const result = await db.execute<{ id: string }>(sql`
    INSERT INTO media_gallery (list, dhash, media, holder, note, created_by)
    VALUES (${entry.list}, ${entry.dhash}, ${entry.media ?? null}, ${entry.holder ?? null}, ${entry.note ?? ''}, ${entry.createdBy ?? null})
    RETURNING id`);
  return result.rows[0]!.id;
}

export type ReleasedLookAlike = {
  matched: string;
  draftId: string;
  draftNumber: string;
  unitId: string | null;
  unitName: string | null;
  licence: string | null;
  distance: number;
};

/**
 * Released pictures of other drafts within `maxBits` of `dhash`, nearest first, with the earlier draft, its unit and
 * the licence declared for the picture there. Linear in the released pictures (the distance is computed per row).
 */
export async function releasedLookAlikes(db: Executor, dhash: string, input: { excludeDraftId: string; maxBits: number }): Promise<ReleasedLookAlike[]> {
  const result = await db.execute<ReleasedLookAlike>(sql`
    SELECT DISTINCT ON (d.id) a.media AS matched, d.id AS "draftId", d.number AS "draftNumber", d.unit_id AS "unitId", u.name AS "unitName",
           (SELECT x->>'licence' FROM revisions r, jsonb_array_elements(r.assets) x WHERE r.id = rl.revision_id AND x->>'media' = a.media LIMIT 1) AS licence,
           bit_count(('x' || a.dhash)::bit(64) # ('x' || ${dhash})::bit(64))::int AS distance
      FROM releases rl
      JOIN drafts d ON d.id = rl.draft_id
      CROSS JOIN LATERAL jsonb_array_elements(rl.media) m
      JOIN media_analyses a ON a.media = m->>'hash'
      LEFT JOIN units u ON u.id = d.unit_id
     WHERE d.id <> ${input.excludeDraftId}::uuid AND d.status IN ('released', 'corrected') AND a.dhash IS NOT NULL
       AND bit_count(('x' || a.dhash)::bit(64) # ('x' || ${dhash})::bit(64)) <= ${input.maxBits}
     ORDER BY d.id, distance
     LIMIT 20`);
  return result.rows.sort((x, y) => x.distance - y.distance).slice(0, 5);
}

export type GalleryRow = { id: string; list: 'licensed' | 'forbidden'; dhash: string; media: string | null; holder: string | null; note: string; createdAt: Date; createdBy: string | null };

/** The admin gallery, newest first. */
export async function listGallery(db: Executor, limit = 500): Promise<GalleryRow[]> {
  const result = await db.execute<GalleryRow>(sql`
    SELECT id, list, dhash, media, holder, note, created_at AS "createdAt", created_by AS "createdBy"
      FROM media_gallery ORDER BY created_at DESC, id LIMIT ${limit}`);
  return result.rows;
}

/** Removes a gallery entry; returns it, or null when there was none. */
export async function deleteGalleryEntry(db: Executor, id: string): Promise<GalleryRow | null> {
  const result = await db.execute<GalleryRow>(sql`
    DELETE FROM media_gallery WHERE id = ${id}::uuid
    RETURNING id, list, dhash, media, holder, note, created_at AS "createdAt", created_by AS "createdBy"`);
  return result.rows[0] ?? null;
}

/** Whether a stored media file exists, and its kind. */
export async function storedMediaKind(db: Executor, hash: string): Promise<string | null> {
  const result = await db.execute<{ kind: string }>(sql`SELECT kind FROM media WHERE hash = ${hash}`);
  return result.rows[0]?.kind ?? null;
}
