import { and, eq } from 'drizzle-orm';
import { appendAuditEvent } from '../db/audit.repository';
import { getPlatform } from '../db/directory.repository';
import { insertDraft, insertOwedRuns, insertRevision, nextDraftNumber } from '../db/draft.repository';
import { drafts, idempotencyKeys } from '../db/schema';
import { canSubmitTo, type AuthUser } from '../domain/access';
import { draftChain } from '../domain/audit';
import { canonicalJson, contentHash, sha256Hex, type RevisionContent } from '../domain/content';
import { DomainError, forbidden, validationFailed } from '../domain/errors';
import { announce } from './apply-transition';
import type { ServiceDeps } from './deps';

export interface SubmitDraftInput {
  platformId: string;
  major: boolean;
  content: RevisionContent;
}

export interface SubmittedDraft {
  id: string;
  number: string;
  status: string;
  version: number;
  revision: { id: string; number: number; hash: string };
}

/**
 * Accepts a draft: draft, first revision, owed check runs and the audit event commit together, so a 201 is
 * only ever given for a draft that exists. With an idempotency key, a repeat of the same request returns the
 * first answer and creates nothing; the same key with another body is refused.
 * @throws DomainError forbidden | validation_failed | idempotency_mismatch
 */
export async function submitDraft(
  deps: ServiceDeps,
  actor: AuthUser,
  input: SubmitDraftInput,
  idempotencyKey?: string,
): Promise<{ replayed: boolean; draft: SubmittedDraft }> {
  const requestHash = sha256Hex(canonicalJson(input));
  const outcome = await deps.db.transaction(async (tx) => {
    if (idempotencyKey) {
      // Concurrent repeats block here on the first one's row until it commits or rolls back.
      const claimed = await tx
        .insert(idempotencyKeys)
        .values({ userId: actor.id, key: idempotencyKey, requestHash })
        .onConflictDoNothing()
        .returning();
      if (claimed.length === 0) {
        const [existing] = await tx
          .select()
          .from(idempotencyKeys)
          .where(and(eq(idempotencyKeys.userId, actor.id), eq(idempotencyKeys.key, idempotencyKey)));
        if (!existing || existing.requestHash !== requestHash || !existing.response) {
          throw new DomainError('idempotency_mismatch', '同一 Idempotency-Key 已用于另一份不同的请求');
        }
        return { replayed: true as const, draft: existing.response as SubmittedDraft };
      }
    }

    const platform = await getPlatform(tx, input.platformId);
    if (!platform) throw validationFailed('发布平台不存在', { field: 'platformId' });
    if (!canSubmitTo(actor, platform)) throw forbidden('不能向该平台投稿');
    if (!actor.unitId) throw forbidden('投稿人须属于某个单位');

    const hash = contentHash(input.content);
    // The running number is taken last: its counter row lock serialises submissions until COMMIT.
    const draft = await insertDraft(tx, {
      number: `pending-${requestHash.slice(0, 8)}-${Math.random().toString(36).slice(2)}`,
      title: input.content.title,
      platformId: platform.id,
      unitId: actor.unitId,
      authorId: actor.id,
      major: input.major,
      status: 'checking',
    });
    const revision = await insertRevision(tx, {
      draftId: draft.id,
      kind: 'submission',
      content: input.content,
      contentHash: hash,
      createdBy: actor.id,
    });
    await insertOwedRuns(tx, draft.id, revision.id, deps.checkIds);
    const number = await nextDraftNumber(tx);
    await tx.update(drafts).set({ currentRevisionId: revision.id, number }).where(eq(drafts.id, draft.id));
    const event = await appendAuditEvent(tx, {
      chain: draftChain(draft.id),
      draftId: draft.id,
      revisionId: revision.id,
      actorId: actor.id,
      actorName: `${actor.displayName}（${actor.username}）`,
      type: 'draft.submitted',
      data: {
        number,
        platformId: platform.id,
        major: input.major,
        contentHash: hash,
        origin: input.content.origin.kind,
        checks: deps.checkIds,
      },
    });
    const saved = { ...draft, number, currentRevisionId: revision.id };
    const response: SubmittedDraft = {
      id: draft.id,
      number,
      status: draft.status,
      version: draft.version,
      revision: { id: revision.id, number: revision.number, hash },
    };
    if (idempotencyKey) {
      await tx
        .update(idempotencyKeys)
        .set({ draftId: draft.id, response })
        .where(and(eq(idempotencyKeys.userId, actor.id), eq(idempotencyKeys.key, idempotencyKey)));
    }
    return { replayed: false as const, draft: response, row: saved, eventId: event.id, revisionId: revision.id };
  });

  if (!outcome.replayed) {
    announce(
      deps,
      outcome.row,
      outcome.eventId,
      deps.checkIds.map((checkId) => ({ revisionId: outcome.revisionId, checkId })),
    );
  }
  return { replayed: outcome.replayed, draft: outcome.draft };
}
