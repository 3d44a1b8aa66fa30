import { appendAuditEvent } from '../db/audit.repository';
import { addGalleryEntry, deleteGalleryEntry, listGallery, storedMediaKind, type GalleryRow } from '../db/media-analysis.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN, auditActor } from '../domain/audit';
import { notFound, validationFailed } from '../domain/errors';
import { ensureMediaAnalyses } from './media-analysis.service';
import { mediaStore, type MediaStore } from './media.service';

/**
 * Adds an uploaded picture to the gallery of pictures the school holds a licence for (`licensed`) or that must not
 * be used (`forbidden`); drafts whose pictures look like it (difference hash) get a copyright finding. Audited.
 * @throws DomainError validation_failed when the file is not a stored picture
 */
export async function addToGallery(
  deps: { db: Db; media?: MediaStore | undefined },
  actor: AuthUser,
  input: { media: string; list: 'licensed' | 'forbidden'; holder?: string | undefined; note?: string | undefined },
): Promise<GalleryRow> {
  const kind = await storedMediaKind(deps.db, input.media);
  if (kind !== 'image') throw validationFailed(kind ? '图库只收图片' : '媒体文件不存在，请先上传', { field: 'media' });
  const store = mediaStore(deps);
  const [analysis] = await ensureMediaAnalyses(deps.db, async (hash) => (await store.get(hash)) ?? null, [{ hash: input.media, kind: 'image' }]);
  if (!analysis?.dhash) throw validationFailed('图片无法解码，不能加入图库', { field: 'media' });
  const dhash = analysis.dhash;
  return deps.db.transaction(async (tx) => {
    const id = await addGalleryEntry(tx, { list: input.list, dhash, media: input.media, holder: input.holder ?? null, note: input.note ?? '', createdBy: actor.id });
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: actor.id,
      actorName: auditActor(actor),
      type: 'admin.gallery_added',
      data: { entryId: id, media: input.media, list: input.list, dhash, holder: input.holder ?? null },
    });
    return { id, list: input.list, dhash, media: input.media, holder: input.holder ?? null, note: input.note ?? '', createdAt: new Date(), createdBy: actor.id };
  });
}

/** Removes a gallery entry (audited). @throws DomainError not_found */
export async function removeFromGallery(db: Db, actor: AuthUser, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await deleteGalleryEntry(tx, id);
    if (!removed) throw notFound('图库条目');
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: actor.id,
      actorName: auditActor(actor),
      type: 'admin.gallery_removed',
      data: { entryId: id, media: removed.media, list: removed.list },
    });
  });
}

export const galleryEntries = (db: Db) => listGallery(db);
