import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { OverlayTerm } from '../domain/dictionary-overlay';
import type { Executor, Tx } from './pool';
import { dictionaryChanges, dictionaryRescanHits, dictionaryRescans, dictionaryTerms, drafts, revisions, units } from './schema';

export type DictionaryChangeRow = typeof dictionaryChanges.$inferSelect;
export type RescanRow = typeof dictionaryRescans.$inferSelect;

/** Statuses whose current revision is out in the world: what a 回溯检查 scans. */
export const RELEASED_STATUSES = ['released', 'corrected'] as const;

/** Serialises dictionary writers: each change composes on top of the previous one. */
export async function lockDictionaries(tx: Tx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('sanshen:dictionaries', 0))`);
}

/** Every overlay row, in id order (the order their lines are appended, so the composed version is stable). */
export async function listOverlay(db: Executor): Promise<OverlayTerm[]> {
  const rows = await db
    .select({ list: dictionaryTerms.list, term: dictionaryTerms.term, state: dictionaryTerms.state, severity: dictionaryTerms.severity, note: dictionaryTerms.note, flags: dictionaryTerms.flags })
    .from(dictionaryTerms)
    .orderBy(asc(dictionaryTerms.id));
  return rows.map((r) => ({ ...r, state: r.state === 'added' ? 'added' : 'removed' }));
}

/** The newest change id (0 when the dictionaries are as shipped): workers compare it to decide to reload. */
export async function latestChangeId(db: Executor): Promise<number> {
  const [row] = await db.select({ id: sql<string | null>`max(${dictionaryChanges.id})` }).from(dictionaryChanges);
  return row?.id ? Number(row.id) : 0;
}

export async function lastChange(db: Executor): Promise<DictionaryChangeRow | undefined> {
  const [row] = await db.select().from(dictionaryChanges).orderBy(desc(dictionaryChanges.id)).limit(1);
  return row;
}

export async function insertChange(tx: Tx, values: typeof dictionaryChanges.$inferInsert): Promise<DictionaryChangeRow> {
  const [row] = await tx.insert(dictionaryChanges).values(values).returning();
  if (!row) throw new Error('dictionary change insert returned nothing');
  return row;
}

/** Sets the overlay state of (list, term) rows; the row id (and so the line order) survives re-adds. */
export async function upsertOverlay(tx: Tx, rows: readonly OverlayTerm[], changeId: number, actorId: string | null): Promise<void> {
  for (let i = 0; i < rows.length; i += 1_000) {
    const chunk = rows.slice(i, i + 1_000);
    await tx
      .insert(dictionaryTerms)
      .values(chunk.map((r) => ({ ...r, changeId, updatedBy: actorId })))
      .onConflictDoUpdate({
        target: [dictionaryTerms.list, dictionaryTerms.term],
        set: {
          state: sql`excluded.state`,
          severity: sql`excluded.severity`,
          note: sql`excluded.note`,
          flags: sql`excluded.flags`,
          changeId: sql`excluded.change_id`,
          updatedBy: sql`excluded.updated_by`,
          updatedAt: sql`now()`,
        },
      });
  }
}

export async function insertRescan(tx: Tx, values: typeof dictionaryRescans.$inferInsert): Promise<RescanRow> {
  const [row] = await tx.insert(dictionaryRescans).values(values).returning();
  if (!row) throw new Error('rescan insert returned nothing');
  return row;
}

export async function getRescan(db: Executor, id: string): Promise<RescanRow | undefined> {
  const [row] = await db.select().from(dictionaryRescans).where(eq(dictionaryRescans.id, id));
  return row;
}

export async function listRescans(db: Executor, limit: number): Promise<RescanRow[]> {
  return db.select().from(dictionaryRescans).orderBy(desc(dictionaryRescans.createdAt)).limit(limit);
}

/**
 * Claims the oldest rescan that is pending, or running under a worker that stopped reporting (heartbeat older
 * than `staleMs`): it resumes from its stored cursors. Exactly one claimer wins (SKIP LOCKED).
 */
export async function claimRescan(db: Executor, workerId: string, staleMs: number): Promise<RescanRow | undefined> {
  const result = await db.execute<{ id: string }>(sql`
    UPDATE dictionary_rescans SET status = 'running', claimed_by = ${workerId}, heartbeat_at = now(),
           started_at = coalesce(started_at, now())
     WHERE id = (SELECT id FROM dictionary_rescans
                  WHERE status = 'pending'
                     OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => ${staleMs / 1_000}))
                  ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING id`);
  const id = result.rows[0]?.id;
  return id ? getRescan(db, id) : undefined;
}

export async function countReleased(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(drafts)
    .where(inArray(drafts.status, [...RELEASED_STATUSES]));
  return row?.n ?? 0;
}

export async function startRescan(db: Executor, id: string, workerId: string, values: { total: number; partitions: number; rulesetVersion: string }): Promise<boolean> {
  const rows = await db
    .update(dictionaryRescans)
    .set({ ...values, heartbeatAt: sql`now()` })
    .where(and(eq(dictionaryRescans.id, id), eq(dictionaryRescans.claimedBy, workerId)))
    .returning({ id: dictionaryRescans.id });
  return rows.length > 0;
}

/**
 * Records one scanned batch: its hits (idempotent per draft) and the partition's cursor, together, so a resumed
 * rescan neither misses nor double-counts drafts. Returns false when another worker took the rescan over.
 */
export async function recordRescanBatch(
  tx: Tx,
  input: { rescanId: string; workerId: string; partition: number; cursor: string; processed: number; hits: ReadonlyArray<{ draftId: string; revisionId: string; findings: unknown[] }> },
): Promise<boolean> {
  let matched = 0;
  if (input.hits.length > 0) {
    const inserted = await tx
      .insert(dictionaryRescanHits)
      .values(input.hits.map((h) => ({ rescanId: input.rescanId, ...h })))
      .onConflictDoNothing()
      .returning({ draftId: dictionaryRescanHits.draftId });
    matched = inserted.length;
  }
  const rows = await tx
    .update(dictionaryRescans)
    .set({
      processed: sql`${dictionaryRescans.processed} + ${input.processed}`,
      matched: sql`${dictionaryRescans.matched} + ${matched}`,
      cursors: sql`${dictionaryRescans.cursors} || jsonb_build_object(${String(input.partition)}::text, ${input.cursor}::text)`,
      heartbeatAt: sql`now()`,
    })
    .where(and(eq(dictionaryRescans.id, input.rescanId), eq(dictionaryRescans.claimedBy, input.workerId), eq(dictionaryRescans.status, 'running')))
    .returning({ id: dictionaryRescans.id });
  return rows.length > 0;
}

export async function finishRescan(db: Executor, id: string, workerId: string, outcome: { status: 'done' | 'failed'; error?: string }): Promise<void> {
  await db
    .update(dictionaryRescans)
    .set({ status: outcome.status, error: outcome.error ?? null, finishedAt: sql`now()`, heartbeatAt: sql`now()` })
    .where(and(eq(dictionaryRescans.id, id), eq(dictionaryRescans.claimedBy, workerId)));
}

export interface RescanHitItem {
  draftId: string;
  number: string;
  title: string;
  status: string;
  unitId: string;
  unitName: string;
  revisionId: string;
  findings: unknown[];
}

export async function listRescanHits(db: Executor, rescanId: string, page: { offset: number; limit: number }): Promise<RescanHitItem[]> {
  return db
    .select({
      draftId: dictionaryRescanHits.draftId,
      number: drafts.number,
      title: drafts.title,
      status: drafts.status,
      unitId: drafts.unitId,
      unitName: units.name,
      revisionId: dictionaryRescanHits.revisionId,
      findings: dictionaryRescanHits.findings,
    })
    .from(dictionaryRescanHits)
    .innerJoin(drafts, eq(drafts.id, dictionaryRescanHits.draftId))
    .innerJoin(units, eq(units.id, drafts.unitId))
    .where(eq(dictionaryRescanHits.rescanId, rescanId))
    .orderBy(asc(drafts.number))
    .offset(page.offset)
    .limit(page.limit);
}

export interface ReleasedText {
  draftId: string;
  revisionId: string;
  title: string;
  body: string;
  format: string;
  origin: unknown;
  assets: unknown;
}

/**
 * One page of released drafts' current revisions in partition `partition` of `partitions` (by the uuid's last
 * byte, uniform for random uuids), after `cursor` in id order: keyset paging, so every page costs the same.
 */
export async function releasedPage(db: Executor, input: { partition: number; partitions: number; cursor: string | null; limit: number }): Promise<ReleasedText[]> {
  const after = input.cursor ?? '00000000-0000-0000-0000-000000000000';
  const result = await db.execute<{ draft_id: string; revision_id: string; title: string; body: string; format: string; origin: unknown; assets: unknown }>(sql`
    SELECT d.id AS draft_id, r.id AS revision_id, r.title, r.body, r.format, r.origin, r.assets
      FROM ${drafts} d JOIN ${revisions} r ON r.id = d.current_revision_id
     WHERE d.status IN ('released', 'corrected') AND d.id > ${after}::uuid
       AND get_byte(uuid_send(d.id), 15) % ${input.partitions} = ${input.partition}
     ORDER BY d.id LIMIT ${input.limit}`);
  return result.rows.map((r) => ({ draftId: r.draft_id, revisionId: r.revision_id, title: r.title, body: r.body, format: r.format, origin: r.origin, assets: r.assets }));
}
