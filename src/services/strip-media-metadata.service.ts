import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRevision } from '../db/revision.repository';
import { loadAggregate } from '../db/draft.repository';
import type { AuthUser } from '../domain/access';
import type { RevisionContent } from '../domain/content';
import { validationFailed } from '../domain/errors';
import { transition, type StageId } from '../domain/workflow';
import { MetadataStripError, stripMetadata } from '../media/strip-metadata';
import { toActor, type TransitionOutcome } from './apply-transition';
import type { ServiceDeps } from './deps';
import { readableDraft } from './draft-queries.service';
import { acceptUpload, mediaStore } from './media.service';
import { contentOf, reviseDraft } from './review.service';

const EXTENSION: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png' };

/**
 * 去除元数据: a new revision in which one picture is replaced by the same picture without its EXIF/XMP/IPTC data
 * (pixels byte-identical, see stripMetadata). From the author it is a revision; from the current stage's reviewer
 * (with `stage`) a proofreading edit. The stripped file is stored like an upload by the actor.
 * @throws DomainError validation_failed (not in the revision, not a picture, nothing to strip) | forbidden | conflict
 */
export async function stripMediaMetadata(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  input: { media: string; version: number; stage?: StageId | undefined },
): Promise<TransitionOutcome<{ revisionId: string; number: number; hash: string }> & { media: { from: string; to: string } }> {
  const draft = await readableDraft(deps.db, actor, draftId);
  const revision = draft.currentRevisionId ? await getRevision(deps.db, draft.currentRevisionId) : undefined;
  if (!revision) throw validationFailed('稿件没有当前版本');
  // The same rule the revision will meet under lock, asked first: nothing is stored for someone who may not edit.
  const aggregate = await loadAggregate(deps.db, draft, revision);
  transition(deps.stages, aggregate, input.stage ? { type: 'proofread', stage: input.stage } : { type: 'revise' }, toActor(actor));
  const content = contentOf(revision);
  const ref = content.media?.find((m) => m.hash === input.media);
  if (!ref) throw validationFailed('当前版本没有引用这张图片', { field: 'media' });
  if (ref.kind !== 'image') throw validationFailed('只有图片可以去除元数据', { field: 'media' });
  const bytes = await mediaStore(deps).get(ref.hash);
  if (!bytes) throw validationFailed('媒体库中找不到这张图片', { field: 'media' });
  let stripped: Buffer;
  try {
    stripped = stripMetadata(bytes, ref.mime);
  } catch (error) {
    throw validationFailed(error instanceof MetadataStripError ? `无法去除元数据：${error.message}` : '无法去除元数据', { field: 'media' });
  }
  if (stripped.equals(bytes)) throw validationFailed('这张图片没有可去除的元数据', { field: 'media' });
  const hash = createHash('sha256').update(stripped).digest('hex');
  const dir = await mkdtemp(join(tmpdir(), 'sanshen-strip-'));
  try {
    const file = join(dir, `stripped.${EXTENSION[ref.mime] ?? 'bin'}`);
    await writeFile(file, stripped);
    await acceptUpload(deps, actor, { file, hash, bytes: stripped.length, filename: `stripped.${EXTENSION[ref.mime] ?? 'bin'}`, truncated: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const swap = (s: string) => s.split(`media:${ref.hash}`).join(`media:${hash}`);
  const next: RevisionContent = {
    ...content,
    body: swap(content.body),
    assets: content.assets.map((a) => (a.media === ref.hash ? { ...a, media: hash } : a)),
    media: content.media?.map((m) => (m.hash === ref.hash ? { ...m, hash } : m)),
  };
  const out = await reviseDraft(deps, actor, draftId, {
    content: next,
    version: input.version,
    stage: input.stage,
    note: `去除图片元数据（像素未改动）：${ref.hash.slice(0, 12)} → ${hash.slice(0, 12)}`,
  });
  return { ...out, media: { from: ref.hash, to: hash } };
}
