import { randomUUID } from 'node:crypto';
import { appendGenesisEvent } from '../db/audit.repository';
import { getPlatform } from '../db/directory.repository';
import { insertSubmission } from '../db/draft.repository';
import { claimIdempotencyKey, recordIdempotentResponse } from '../db/idempotency.repository';
import { canSubmitTo, hasRole, type AuthUser } from '../domain/access';
import { draftChain } from '../domain/audit';
import { acceptsDrafts } from '../domain/registry';
import { canonicalJson, contentHash, sha256Hex, type RevisionContent } from '../domain/content';
import { DomainError, forbidden, validationFailed } from '../domain/errors';
import { announce } from './apply-transition';
import type { ServiceDeps } from './deps';
import { canonicaliseContent } from './media.service';

export interface SubmitDraftInput {
  platformId: string;
  major: boolean;
  /** 体裁 from src/shared/genres.ts (validated by the route). */
  genre?: string | undefined;
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
      const claim = await claimIdempotencyKey(tx, { userId: actor.id, key: idempotencyKey, requestHash });
      if (!claim.claimed) {
        const { existing } = claim;
        if (!existing || existing.requestHash !== requestHash || !existing.response) {
          throw new DomainError('idempotency_mismatch', '同一 Idempotency-Key 已用于另一份不同的请求');
        }
        return { replayed: true as const, draft: existing.response as SubmittedDraft };
      }
    }

    const platform = await getPlatform(tx, input.platformId);
    if (!platform) throw validationFailed('发布平台不存在', { field: 'platformId' });
    if (!canSubmitTo(actor, platform)) {
      // An editor may write for their own unit's platforms and, as 供稿, for school-level ones; never another unit's.
      if (hasRole(actor, 'editor') && actor.unitId) {
        throw new DomainError('platform_not_allowed', '只能向本单位的平台或学校一级平台投稿，不能向其他单位的平台投稿', { platformId: platform.id, level: platform.level });
      }
      throw forbidden('不能向该平台投稿');
    }
    if (!acceptsDrafts(platform)) {
      throw new DomainError('platform_not_registered', platform.status === 'deregistered' ? '该平台已注销，不再接受投稿' : '该平台尚未完成备案，不能投稿', { platformId: platform.id, status: platform.status });
    }
    if (!actor.unitId) throw forbidden('投稿人须属于某个单位');

    // The body is stored in its canonical form (issue 9): parsed once here, refused or noted, media bound by hash.
    const content = await canonicaliseContent(tx, input.content);
    const hash = contentHash(content);
    const revisionId = randomUUID();
    const draft = await insertSubmission(tx, {
      draftId: randomUUID(),
      revisionId,
      platformId: platform.id,
      unitId: actor.unitId,
      authorId: actor.id,
      major: input.major,
      genre: input.genre ?? null,
      content,
      contentHash: hash,
      checkIds: deps.checkIds,
      timeZone: deps.timeZone,
    });
    // The draft's chain was created by this transaction, so its first event needs no lock; its time is the
    // draft's own database timestamp.
    const event = await appendGenesisEvent(
      tx,
      {
        chain: draftChain(draft.id),
        draftId: draft.id,
        revisionId,
        actorId: actor.id,
        actorName: `${actor.displayName}（${actor.username}）`,
        type: 'draft.submitted',
        data: {
          number: draft.number,
          platformId: platform.id,
          major: input.major,
          ...(input.genre ? { genre: input.genre } : {}),
          contentHash: hash,
          origin: input.content.origin.kind,
          checks: deps.checkIds,
        },
      },
      draft.createdAt,
    );
    const response: SubmittedDraft = {
      id: draft.id,
      number: draft.number,
      status: draft.status,
      version: draft.version,
      revision: { id: revisionId, number: 1, hash },
    };
    if (idempotencyKey) await recordIdempotentResponse(tx, actor.id, idempotencyKey, draft.id, response);
    return { replayed: false as const, draft: response, row: draft, eventId: event.id, revisionId };
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
