import { sql } from 'drizzle-orm';
import type { Executor } from './pool';

export interface WaiverRow {
  findingId: string;
  revisionId: string;
  revisionNumber: number;
  checkId: string;
  category: string;
  severity: string;
  ruleId: string;
  matched: string;
  message: string;
  waiverPolicy: string | null;
  reason: string;
  waivedAt: Date;
  waivedBy: string;
  displayName: string | null;
  username: string | null;
  staffId: string | null;
}

/** Every waiver ever given on a draft, over all its revisions, oldest first. */
export async function listDraftWaivers(db: Executor, draftId: string): Promise<WaiverRow[]> {
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT f.id AS finding_id, f.revision_id, r.number AS revision_number, f.check_id, f.category, f.severity, f.rule_id,
           f.matched, f.message, f.waiver_policy, f.waive_reason, f.waived_at, f.waived_by,
           u.display_name, u.username, u.staff_id
      FROM findings f
      JOIN revisions r ON r.id = f.revision_id
      LEFT JOIN users u ON u.id = f.waived_by
     WHERE f.draft_id = ${draftId} AND f.waived_at IS NOT NULL
     ORDER BY f.waived_at, f.id`);
  return result.rows.map((r) => ({
    findingId: String(r.finding_id),
    revisionId: String(r.revision_id),
    revisionNumber: Number(r.revision_number),
    checkId: String(r.check_id),
    category: String(r.category),
    severity: String(r.severity),
    ruleId: String(r.rule_id),
    matched: String(r.matched),
    message: String(r.message),
    waiverPolicy: r.waiver_policy === null ? null : String(r.waiver_policy),
    reason: String(r.waive_reason ?? ''),
    waivedAt: new Date(r.waived_at as string),
    waivedBy: String(r.waived_by),
    displayName: r.display_name === null ? null : String(r.display_name),
    username: r.username === null ? null : String(r.username),
    staffId: r.staff_id === null ? null : String(r.staff_id),
  }));
}

export interface ResubmissionRow {
  statement: string;
  revisionId: string | null;
  actorName: string;
  at: Date;
}

/** The author's latest 送审说明 (from the draft's trail), or undefined. */
export async function latestResubmission(db: Executor, draftId: string): Promise<ResubmissionRow | undefined> {
  const result = await db.execute<{ statement: string | null; revision_id: string | null; actor_name: string; created_at: string }>(sql`
    SELECT data->>'statement' AS statement, revision_id, actor_name, created_at
      FROM audit_events
     WHERE draft_id = ${draftId} AND type = 'draft.resubmitted'
     ORDER BY id DESC LIMIT 1`);
  const row = result.rows[0];
  if (!row) return undefined;
  return { statement: row.statement ?? '', revisionId: row.revision_id, actorName: row.actor_name, at: new Date(row.created_at) };
}
