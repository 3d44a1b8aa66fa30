import { MEDIA_CONFIG, type MediaConfig } from '../../config/media';
import type { MediaMatch } from '../checks/rules/common';
import { findMediaAnalyses, galleryLookAlikes, releasedLookAlikes, saveMediaAnalysis } from '../db/media-analysis.repository';
import type { Executor } from '../db/pool';
import type { MediaAnalysis, MediaAnalysisKind } from '../domain/media';
import { analyzeMedia, MEDIA_ANALYSER_VERSION } from '../media/analyze';
import type { MediaTools } from '../media/tools';

/** Reads a stored file's bytes by its SHA-256 (the media storage port); null when it is not stored. */
export type MediaBytesReader = (hash: string) => Promise<Buffer | null>;

/** At most this many files are analysed at once per process: OCR takes a core each. */
let running = 0;
const waiting: Array<() => void> = [];
async function slot<T>(limit: number, work: () => Promise<T>): Promise<T> {
  while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * The analyses of a revision's media files, from the cache where an analysis by this analyser version exists,
 * otherwise made now (at most `concurrency` at a time in this process) and stored. A file that is not stored gets an
 * analysis whose problem says so, so the checks report it instead of passing it.
 */
export async function ensureMediaAnalyses(
  db: Executor,
  read: MediaBytesReader,
  files: ReadonlyArray<{ hash: string; kind: MediaAnalysisKind }>,
  options: { config?: MediaConfig; tools?: MediaTools; concurrency?: number } = {},
): Promise<MediaAnalysis[]> {
  const unique = [...new Map(files.map((f) => [f.hash, f])).values()];
  const cached = await findMediaAnalyses(
    db,
    unique.map((f) => f.hash),
    MEDIA_ANALYSER_VERSION,
  );
  const concurrency = options.concurrency ?? 2;
  return Promise.all(
    unique.map(async (file) => {
      const hit = cached.get(file.hash);
      if (hit) return hit;
      const bytes = await read(file.hash);
      if (!bytes) {
        return {
          media: file.hash,
          kind: file.kind,
          version: MEDIA_ANALYSER_VERSION,
          ocr: false,
          lines: [],
          codes: [],
          metadata: { present: false },
          problems: [{ code: 'decode_failed', message: '引用的文件不在媒体库中' }],
        } satisfies MediaAnalysis;
      }
      return slot(concurrency, async () => {
        const started = performance.now();
        const analysis = await analyzeMedia(bytes, file.kind, { config: options.config, tools: options.tools });
        // Only complete analyses are cached: a timeout or a missing tool is tried again next time.
        const transient = analysis.problems.some((p) => p.code === 'timeout' || p.code === 'ocr_unavailable' || p.code === 'video_tools_unavailable' || p.code === 'ocr_failed');
        if (!transient) await saveMediaAnalysis(db, analysis, performance.now() - started);
        return analysis;
      });
    }),
  );
}

/** Gallery pictures that look like the revision's pictures (licensed or forbidden), as facts for the copyright check. */
export async function galleryMatches(db: Executor, analyses: readonly MediaAnalysis[], config: MediaConfig = MEDIA_CONFIG): Promise<MediaMatch[]> {
  const matches: MediaMatch[] = [];
  for (const a of analyses) {
    if (!a.dhash) continue;
    for (const entry of await galleryLookAlikes(db, a.dhash, config.nearDuplicateBits)) {
      matches.push({
        media: a.media,
        matchedMedia: entry.media ?? entry.dhash,
        distance: entry.distance,
        source: { kind: 'gallery', list: entry.list, note: entry.note || undefined, holder: entry.holder ?? undefined },
      });
    }
  }
  return matches;
}

/** Pictures released before in other drafts that look like the revision's, with the earlier draft's unit and licence. */
export async function releasedMatches(db: Executor, analyses: readonly MediaAnalysis[], draft: { id: string; unitId: string | null }, config: MediaConfig = MEDIA_CONFIG): Promise<MediaMatch[]> {
  const matches: MediaMatch[] = [];
  for (const a of analyses) {
    if (!a.dhash) continue;
    for (const hit of await releasedLookAlikes(db, a.dhash, { excludeDraftId: draft.id, maxBits: config.nearDuplicateBits })) {
      matches.push({
        media: a.media,
        matchedMedia: hit.matched,
        distance: hit.distance,
        source: { kind: 'released', draftId: hit.draftId, draftNumber: hit.draftNumber, unitName: hit.unitName ?? undefined, otherUnit: hit.unitId !== draft.unitId, licence: hit.licence },
      });
    }
  }
  return matches;
}
