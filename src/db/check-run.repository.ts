import { and, asc, eq, inArray, lte, ne, sql } from 'drizzle-orm';
import type { Finding } from '../domain/findings';
import type { Executor, Tx } from './pool';
import type { RevisionRow } from './revision.repository';
import { checkRuns, drafts, findings, revisions } from './schema';

/*
 * The `check_runs` table (and the findings a completed run writes): owed runs, attempts, completion and failure.
 */

export type CheckRunRow = typeof checkRuns.$inferSelect;

/** Records the check runs a revision owes; PostgreSQL, not Redis, is what remembers they are owed. */
export async function insertOwedRuns(tx: Tx, draftId: string, revisionId: string, checkIds: readonly string[]): Promise<void> {
  if (checkIds.length === 0) return;
  await tx
    .insert(checkRuns)
    .values(checkIds.map((checkId) => ({ draftId, revisionId, checkId })))
    .onConflictDoNothing();
}

export async function listRuns(db: Executor, revisionId: string): Promise<CheckRunRow[]> {
  return db.select().from(checkRuns).where(eq(checkRuns.revisionId, revisionId)).orderBy(asc(checkRuns.checkId));
}

/** Locks one owed run; `undefined` when it does not exist. */
/** The draft whose revision owes these runs (no lock), or undefined when the revision owes none. */
export async function draftOfRuns(db: Executor, revisionId: string): Promise<string | undefined> {
  const [row] = await db.select({ draftId: checkRuns.draftId }).from(checkRuns).where(eq(checkRuns.revisionId, revisionId)).limit(1);
  return row?.draftId;
}

export async function lockRun(tx: Tx, revisionId: string, checkId: string): Promise<CheckRunRow | undefined> {
  const [row] = await tx
    .select()
    .from(checkRuns)
    .where(and(eq(checkRuns.revisionId, revisionId), eq(checkRuns.checkId, checkId)))
    .for('update');
  return row;
}

/** Findings per INSERT: PostgreSQL takes at most 65,535 bind parameters per statement (15 per finding here). */
const FINDINGS_PER_INSERT = 1_000;

export interface CompletedRun {
  run: CheckRunRow;
  rulesetVersion: string;
  findings: Finding[];
}

/** Records several runs of one revision as done with their findings: one INSERT per 1,000 findings, one UPDATE. */
export async function completeRuns(tx: Tx, done: readonly CompletedRun[]): Promise<void> {
  if (done.length === 0) return;
  const rows = done.flatMap(({ run, findings: found }) => found.map((f) => ({ run, f })));
  for (let from = 0; from < rows.length; from += FINDINGS_PER_INSERT) {
    await tx.insert(findings).values(
      rows.slice(from, from + FINDINGS_PER_INSERT).map(({ run, f }) => ({
        draftId: run.draftId,
        revisionId: run.revisionId,
        checkId: run.checkId,
        category: f.category,
        severity: f.severity,
        startOffset: f.start,
        endOffset: f.end,
        source: f.source,
        matched: f.matched,
        ruleId: f.ruleId,
        rulesetVersion: f.rulesetVersion,
        message: f.message,
        suggestion: f.suggestion ?? null,
        escalate: f.escalate ?? false,
        evidence: f.evidence ?? null,
        waiverPolicy: f.waiverPolicy ?? null,
      })),
    );
  }
  const values = sql.join(
    done.map((d) => sql`(${d.run.revisionId}::uuid, ${d.run.checkId}::text, ${d.rulesetVersion}::text)`),
    sql`, `,
  );
  await tx.execute(sql`
    UPDATE check_runs AS c
       SET status = 'done', ruleset_version = v.version, error = NULL, finished_at = now(), updated_at = now()
      FROM (VALUES ${values}) AS v(revision_id, check_id, version)
     WHERE c.revision_id = v.revision_id AND c.check_id = v.check_id`);
}

/** Locks every run of one revision, in primary-key order (the order every writer uses). */
export async function lockRuns(tx: Tx, revisionId: string): Promise<CheckRunRow[]> {
  return tx.select().from(checkRuns).where(eq(checkRuns.revisionId, revisionId)).orderBy(asc(checkRuns.checkId)).for('update');
}

/**
 * Counts one more attempt at each of the given runs still pending, in one statement outside any long transaction.
 * @returns check id → its new attempt count (runs no longer pending are absent)
 */
export async function claimRuns(db: Executor, revisionId: string, checkIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .update(checkRuns)
    .set({ attempts: sql`${checkRuns.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, revisionId), inArray(checkRuns.checkId, [...new Set(checkIds)]), eq(checkRuns.status, 'pending')))
    .returning({ checkId: checkRuns.checkId, attempts: checkRuns.attempts });
  return new Map(rows.map((r) => [r.checkId, r.attempts]));
}

export interface RevisionToCheck {
  revision: RevisionRow;
  unitId: string;
  platformId: string;
  /** The draft's 体裁, if given. */
  genre: string | null;
  /** Checks with a pending run. */
  owed: string[];
}

/** What the checks of a revision need, in one query: its content, its draft's unit and platform, the runs it owes. */
export async function revisionToCheck(db: Executor, revisionId: string): Promise<RevisionToCheck | undefined> {
  const [row] = await db
    .select({
      revision: revisions,
      unitId: drafts.unitId,
      platformId: drafts.platformId,
      genre: drafts.genre,
      owed: sql<string[]>`array(SELECT check_id FROM check_runs WHERE revision_id = ${revisions.id} AND status = 'pending')`,
    })
    .from(revisions)
    .innerJoin(drafts, eq(drafts.id, revisions.draftId))
    .where(eq(revisions.id, revisionId));
  return row;
}

export async function failRun(tx: Tx, run: CheckRunRow, error: string): Promise<void> {
  await tx
    .update(checkRuns)
    .set({ status: 'failed', error: error.slice(0, 500), finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, run.revisionId), eq(checkRuns.checkId, run.checkId)));
}

export async function resetFailedRuns(tx: Tx, revisionId: string): Promise<string[]> {
  const rows = await tx
    .update(checkRuns)
    .set({ status: 'pending', attempts: 0, error: null, finishedAt: null, updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, revisionId), ne(checkRuns.status, 'done')))
    .returning({ checkId: checkRuns.checkId });
  return rows.map((r) => r.checkId);
}

/** Owed runs untouched for a while: candidates for the sweeper. */
export async function stalePendingRuns(db: Executor, olderThanMs: number, limit: number): Promise<CheckRunRow[]> {
  return db
    .select()
    .from(checkRuns)
    .where(and(eq(checkRuns.status, 'pending'), lte(checkRuns.updatedAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`)))
    .orderBy(asc(checkRuns.updatedAt))
    .limit(limit);
}

export async function touchRun(db: Executor, revisionId: string, checkId: string): Promise<void> {
  await db
    .update(checkRuns)
    .set({ updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, revisionId), eq(checkRuns.checkId, checkId)));
}
