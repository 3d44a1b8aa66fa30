import { getRevision, type RevisionRow } from '../db/revision.repository';
import type { Db } from '../db/pool';
import { latestRelease, type ReleaseRow } from '../db/release.repository';
import type { AuthUser } from '../domain/access';
import { DomainError } from '../domain/errors';
import { readableDraft } from './draft-queries.service';

/** The current revision of a draft the viewer may read, for the article preview. @throws DomainError not_found | forbidden */
export async function previewRevision(db: Db, viewer: AuthUser, draftId: string): Promise<RevisionRow> {
  const draft = await readableDraft(db, viewer, draftId);
  const revision = draft.currentRevisionId ? await getRevision(db, draft.currentRevisionId) : undefined;
  if (!revision) throw new DomainError('not_found', '版本不存在');
  return revision;
}

/** The bytes the last release delivered, for a draft the viewer may read. @throws DomainError not_found | forbidden */
export async function releasedRendition(db: Db, viewer: AuthUser, draftId: string): Promise<ReleaseRow> {
  await readableDraft(db, viewer, draftId);
  const row = await latestRelease(db, draftId);
  if (!row) throw new DomainError('not_found', '稿件尚未发布');
  return row;
}
