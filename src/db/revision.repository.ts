import { asc, eq, sql } from 'drizzle-orm';
import type { RevisionContent } from '../domain/content';
import type { Executor, Tx } from './pool';
import { revisions } from './schema';

/*
 * The `revisions` table: immutable versions of a draft.
 */

export type RevisionRow = typeof revisions.$inferSelect;

export async function insertRevision(
  tx: Tx,
  values: { draftId: string; kind: string; content: RevisionContent; contentHash: string; createdBy: string; diff?: unknown; note?: string | null },
): Promise<RevisionRow> {
  const next = await tx.execute<{ n: number }>(sql`SELECT coalesce(max(number), 0) + 1 AS n FROM revisions WHERE draft_id = ${values.draftId}`);
  const [row] = await tx
    .insert(revisions)
    .values({
      draftId: values.draftId,
      number: next.rows[0]?.n ?? 1,
      kind: values.kind,
      title: values.content.title,
      body: values.content.body,
      format: values.content.format,
      origin: values.content.origin,
      assets: values.content.assets,
      media: values.content.media ?? [],
      docNotes: values.content.notes ?? [],
      contentHash: values.contentHash,
      diff: values.diff ?? null,
      note: values.note ?? null,
      createdBy: values.createdBy,
    })
    .returning();
  if (!row) throw new Error('revision insert returned nothing');
  return row;
}

export async function getRevision(db: Executor, revisionId: string): Promise<RevisionRow | undefined> {
  const [row] = await db.select().from(revisions).where(eq(revisions.id, revisionId));
  return row;
}

export async function listRevisions(db: Executor, draftId: string): Promise<RevisionRow[]> {
  return db.select().from(revisions).where(eq(revisions.draftId, draftId)).orderBy(asc(revisions.number));
}
