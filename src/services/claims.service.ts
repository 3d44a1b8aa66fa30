import { appendAuditEvent } from '../db/audit.repository';
import { getDraft, loadAggregate, type DraftRow } from '../db/draft.repository';
import { canReadDraft, type AuthUser } from '../domain/access';
import { SECURITY_CHAIN, auditActor } from '../domain/audit';
import { conflict, DomainError, invalidTransition } from '../domain/errors';
import { transition, type StageId } from '../domain/workflow';
import type { DraftPresence } from '../shared/socket-contract';
import { toActor } from './apply-transition';
import type { ServiceDeps } from './deps';
import { readableDraft } from './draft-queries.service';

/**
 * Where claims and viewers live (Redis, shared by every API process; see src/realtime/presence.ts). Each
 * mutation announces itself to the boards that may read the draft.
 */
export interface ClaimsPort {
  claim(draft: { id: string; unitId: string; stage: string; version: number }, userId: string): Promise<{ held: boolean; claimed: boolean; presence: DraftPresence }>;
  unclaim(draft: { id: string; unitId: string }, userId: string): Promise<{ released: boolean; presence: DraftPresence }>;
  dropStale(draft: { id: string; unitId: string; status: string; stage: string | null; version: number }): Promise<DraftPresence>;
  snapshots(draftIds: readonly string[]): Promise<DraftPresence[]>;
  activeDraftIds(): Promise<string[]>;
}

/** Claims are hints kept in Redis: when Redis is away the request fails cleanly, review goes on without them. */
async function viaRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('service_unavailable', '实时服务（Redis）暂不可用，认领与在线状态暂停；审核本身不受影响', { cause: (error as Error).message });
  }
}

/** A claim names a stage; it means nothing once the draft has left that stage. */
const claimStillApplies = (draft: Pick<DraftRow, 'status' | 'stage'>, stage: string) => (draft.status === 'in_review' || draft.status === 'checking') && draft.stage === stage;

async function auditClaim(deps: ServiceDeps, actor: AuthUser, draft: DraftRow, type: 'draft.claimed' | 'draft.unclaimed', stage: string | null): Promise<void> {
  // On the security chain, not the draft's: a claim is a user action but not a state change, and the draft chain's
  // event spacing is what the dashboards read as time in stage.
  await deps.db.transaction((tx) =>
    appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      draftId: draft.id,
      actorId: actor.id,
      actorName: auditActor(actor),
      type,
      data: { number: draft.number, stage, version: draft.version },
    }),
  );
}

/**
 * 认领: a soft lock shown on every board ("张三 已认领"). Only a reviewer who may act at the draft's current stage
 * can claim, and not while someone else holds the claim for that stage; deciding is never blocked by a claim.
 * No version bump (not a state change); audited on the security chain.
 * @throws DomainError not_found | forbidden | invalid_transition | conflict | service_unavailable
 */
export async function claimDraft(deps: ServiceDeps, claims: ClaimsPort, actor: AuthUser, draftId: string): Promise<DraftPresence> {
  const draft = await readableDraft(deps.db, actor, draftId);
  if (draft.status !== 'in_review' || !draft.stage) throw invalidTransition('稿件不在审核环节，不能认领');
  const stage = draft.stage as StageId;
  // Eligible to act at this stage = could decide here now; "return" is open to every eligible reviewer of the
  // stage whatever the findings, so probing it with the pure workflow gives the server's own rule and reasons.
  transition(deps.stages, await loadAggregate(deps.db, draft), { type: 'decide', stage, decision: 'return', comment: '认领' }, toActor(actor));

  const outcome = await viaRedis(() => claims.claim({ id: draft.id, unitId: draft.unitId, stage, version: draft.version }, actor.id));
  if (outcome.held) {
    const by = outcome.presence.claim?.by;
    throw conflict(`该稿件已由${by?.name ?? '其他审核人'}认领`, { claimedBy: by ?? null });
  }
  if (outcome.claimed) {
    try {
      await auditClaim(deps, actor, draft, 'draft.claimed', stage);
    } catch (error) {
      // No unaudited user action: take the claim back.
      await claims.unclaim(draft, actor.id).catch(() => undefined);
      throw error;
    }
  }
  return outcome.presence;
}

/**
 * 取消认领. Only the claimant can drop their claim; asking when one holds none is a no-op.
 * @throws DomainError not_found | forbidden | conflict | service_unavailable
 */
export async function unclaimDraft(deps: ServiceDeps, claims: ClaimsPort, actor: AuthUser, draftId: string): Promise<DraftPresence> {
  const draft = await readableDraft(deps.db, actor, draftId);
  const outcome = await viaRedis(() => claims.unclaim(draft, actor.id));
  const holder = outcome.presence.claim?.by;
  if (!outcome.released && holder && holder.id !== actor.id) {
    throw conflict(`该稿件由${holder.name}认领，只有认领人可以取消`, { claimedBy: holder });
  }
  if (outcome.released) await auditClaim(deps, actor, draft, 'draft.unclaimed', draft.stage);
  return outcome.presence;
}

/** At most this many drafts per presence listing (a board shows a few hundred cards at most). */
const MAX_LISTED = 500;

/**
 * Claims and viewers of the drafts this user may read (one draft with `draftId`), for a board that (re)connects.
 * Claims the database has made pointless (the draft moved on) are dropped on the way.
 * @throws DomainError not_found | forbidden | service_unavailable
 */
export async function listPresence(deps: ServiceDeps, claims: ClaimsPort, viewer: AuthUser, draftId?: string): Promise<DraftPresence[]> {
  const candidates = draftId ? [await readableDraft(deps.db, viewer, draftId)] : [];
  if (!draftId) {
    const ids = (await viaRedis(() => claims.activeDraftIds())).slice(0, MAX_LISTED);
    const rows = await Promise.all(ids.map((id) => getDraft(deps.db, id)));
    for (const row of rows) if (row && canReadDraft(viewer, row)) candidates.push(row);
  }
  const byId = new Map(candidates.map((d) => [d.id, d]));
  const snapshots = await viaRedis(() => claims.snapshots([...byId.keys()]));
  const out: DraftPresence[] = [];
  for (const p of snapshots) {
    const draft = byId.get(p.draftId);
    if (!draft) continue;
    const fresh = p.claim && !claimStillApplies(draft, p.claim.stage) ? await viaRedis(() => claims.dropStale(draft)) : p;
    if (draftId || fresh.claim || fresh.viewerCount > 0) out.push(fresh);
  }
  return out;
}
