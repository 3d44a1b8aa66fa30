import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FindingSource } from '../domain/findings';
import type { Executor, Tx } from './pool';
import { proofMarks } from './schema';

export type MarkRow = typeof proofMarks.$inferSelect;

export interface NewMark {
  draftId: string;
  revisionId: string;
  stage: string;
  kind: 'correction' | 'comment';
  startOffset: number;
  endOffset: number;
  source: FindingSource;
  original: string;
  replacement: string | null;
  note: string;
  findingId: string | null;
  createdBy: string;
}

export async function insertMark(tx: Tx, values: NewMark): Promise<MarkRow> {
  const [row] = await tx.insert(proofMarks).values(values).returning();
  if (!row) throw new Error('mark insert returned nothing');
  return row;
}

/** Every mark of a draft, across its revisions, in reading order per revision. */
export async function listMarks(db: Executor, draftId: string): Promise<MarkRow[]> {
  return db.select().from(proofMarks).where(eq(proofMarks.draftId, draftId)).orderBy(asc(proofMarks.createdAt), asc(proofMarks.startOffset));
}

/** Locks marks of one draft for a resolution or an apply (the draft's row lock is held too). */
export async function lockMarks(tx: Tx, draftId: string, ids: readonly string[]): Promise<MarkRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(proofMarks)
    .where(and(eq(proofMarks.draftId, draftId), inArray(proofMarks.id, [...ids])))
    .for('update');
}

/** Accepted corrections of a revision not yet carried into a newer one. */
export async function lockAcceptedCorrections(tx: Tx, revisionId: string): Promise<MarkRow[]> {
  return tx
    .select()
    .from(proofMarks)
    .where(and(eq(proofMarks.revisionId, revisionId), eq(proofMarks.kind, 'correction'), eq(proofMarks.status, 'accepted')))
    .orderBy(asc(proofMarks.startOffset))
    .for('update');
}

/** Whether a finding already has a mark that is still open or accepted. */
export async function liveMarkForFinding(tx: Executor, findingId: string): Promise<MarkRow | undefined> {
  const [row] = await tx
    .select()
    .from(proofMarks)
    .where(and(eq(proofMarks.findingId, findingId), inArray(proofMarks.status, ['open', 'accepted'])));
  return row;
}

export async function resolveMarkRow(tx: Tx, id: string, values: { status: 'accepted' | 'rejected'; resolvedBy: string; note: string | null }): Promise<MarkRow> {
  const [row] = await tx
    .update(proofMarks)
    .set({ status: values.status, resolvedBy: values.resolvedBy, resolvedAt: sql`now()`, resolutionNote: values.note })
    .where(eq(proofMarks.id, id))
    .returning();
  if (!row) throw new Error('mark update returned nothing');
  return row;
}

export async function markApplied(tx: Tx, ids: readonly string[], revisionId: string): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(proofMarks)
    .set({ status: 'applied', appliedRevisionId: revisionId })
    .where(inArray(proofMarks.id, [...ids]));
}
