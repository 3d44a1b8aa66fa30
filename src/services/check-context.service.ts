import { recentReleasedTexts } from '../db/reference.repository';
import type { CheckContext } from '../checks/engine';
import type { RevisionToCheck } from '../db/check-run.repository';
import type { RevisionContent } from '../domain/content';
import type { ServiceDeps } from './deps';
import { ensureMediaAnalyses, galleryMatches, releasedMatches } from './media-analysis.service';
import { mediaStore } from './media.service';

/* What the checks read besides the revision: released texts (copyright) and what is inside its media files. */

/** Near-duplicate candidates: recent released drafts of the same unit or platform, bounded. */
export const REFERENCE_TEXTS = { limit: 50, maxChars: 20_000 } as const;

/** Supplies released texts to compare a draft declared original against (the check ignores them otherwise). */
export async function copyrightContext(deps: ServiceDeps, read: RevisionToCheck, content: RevisionContent): Promise<CheckContext | undefined> {
  if (content.origin.kind !== 'original') return undefined;
  const referenceTexts = await recentReleasedTexts(deps.db, { unitId: read.unitId, platformId: read.platformId, excludeDraftId: read.revision.draftId, ...REFERENCE_TEXTS });
  return { referenceTexts };
}

/**
 * The media analyses of a revision's files (OCR, codes, metadata; cached by hash, made now where missing) and the
 * pictures they look like (admin gallery, other drafts' releases): facts every text check and copyright read.
 */
export async function mediaContext(deps: ServiceDeps, read: RevisionToCheck, content: RevisionContent): Promise<CheckContext | undefined> {
  const files = content.media ?? [];
  if (files.length === 0) return undefined;
  const store = mediaStore(deps);
  const analyses = await ensureMediaAnalyses(
    deps.db,
    async (hash) => (await store.get(hash)) ?? null,
    files.map((f) => ({ hash: f.hash, kind: f.kind })),
  );
  const draft = { id: read.revision.draftId, unitId: read.unitId };
  const mediaMatches = [...(await galleryMatches(deps.db, analyses)), ...(await releasedMatches(deps.db, analyses, draft))];
  return { media: analyses, mediaMatches };
}
