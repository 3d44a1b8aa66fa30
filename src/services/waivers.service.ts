import { listDraftWaivers, type WaiverRow } from '../db/waiver.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { WAIVER_POLICY_LABELS } from '../domain/workflow';
import { readableDraft } from './draft-queries.service';
import { storedPolicy } from './waiver-policy';

/** One waiver as the 审稿单 (HTML and PDF) and the API show it. */
export interface DraftWaiver {
  findingId: string;
  revisionNumber: number;
  check: string;
  category: string;
  ruleId: string;
  matched: string;
  message: string;
  policy: ReturnType<typeof storedPolicy>;
  policyLabel: string;
  reason: string;
  by: { id: string; displayName: string | null; username: string | null; staffId: string | null };
  at: Date;
}

export function presentWaiver(w: WaiverRow): DraftWaiver {
  const policy = storedPolicy(w);
  return {
    findingId: w.findingId,
    revisionNumber: w.revisionNumber,
    check: w.checkId,
    category: w.category,
    ruleId: w.ruleId,
    matched: w.matched,
    message: w.message,
    policy,
    policyLabel: WAIVER_POLICY_LABELS[policy],
    reason: w.reason,
    by: { id: w.waivedBy, displayName: w.displayName, username: w.username, staffId: w.staffId },
    at: w.waivedAt,
  };
}

/** Every waiver of a draft (rule, matched text, reason, who, when), for the 审稿单s. No access check: callers have one. */
export async function waiversOfDraft(db: Db, draftId: string): Promise<DraftWaiver[]> {
  return (await listDraftWaivers(db, draftId)).map(presentWaiver);
}

/** The waivers of a draft this user may read. @throws DomainError not_found | forbidden */
export async function readableWaivers(db: Db, viewer: AuthUser, draftId: string): Promise<DraftWaiver[]> {
  await readableDraft(db, viewer, draftId);
  return waiversOfDraft(db, draftId);
}
