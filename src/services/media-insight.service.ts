import { findMediaAnalyses, storedMediaKind } from '../db/media-analysis.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import type { MediaAnalysis } from '../domain/media';
import { notFound, validationFailed } from '../domain/errors';
import { MEDIA_ANALYSER_VERSION } from '../media/analyze';
import { frameAt, withTempFile } from '../media/video';
import { mayReadMedia, mediaStore, type MediaStore } from './media.service';

async function readable(db: Db, viewer: AuthUser, hash: string): Promise<string> {
  const kind = await storedMediaKind(db, hash);
  // Anyone who may not read it learns nothing, not even that it exists.
  if (!kind || !(await mayReadMedia(db, viewer, hash))) throw notFound('媒体文件');
  return kind;
}

/**
 * What the analysers found in a file, for a reader of it: recognised lines with boxes, decoded codes, metadata,
 * keyframe times. `null` while the worker has not looked at it yet.
 */
export async function mediaInsight(db: Db, viewer: AuthUser, hash: string): Promise<{ kind: string; analysis: MediaAnalysis | null }> {
  const kind = await readable(db, viewer, hash);
  const analysis = (await findMediaAnalyses(db, [hash], MEDIA_ANALYSER_VERSION)).get(hash) ?? null;
  return { kind, analysis };
}

/** A video's frame at `ms` (PNG, at most 480 px), for the review page's keyframe strip. */
export async function videoFrame(deps: { db: Db; media?: MediaStore | undefined }, viewer: AuthUser, hash: string, ms: number): Promise<Buffer> {
  const kind = await readable(deps.db, viewer, hash);
  if (kind !== 'video') throw validationFailed('只有视频有关键帧');
  const bytes = await mediaStore(deps).get(hash);
  if (!bytes) throw notFound('媒体文件');
  return withTempFile(bytes, (path) => frameAt(path, ms, { maxSide: 480, timeoutMs: 15_000 }));
}
