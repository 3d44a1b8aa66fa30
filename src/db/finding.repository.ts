import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Executor, Tx } from './pool';
import { findings } from './schema';

/*
 * The `findings` table: reading, locking and waiving findings.
 */

export type FindingRow = typeof findings.$inferSelect;

export async function listFindings(db: Executor, revisionId: string): Promise<FindingRow[]> {
  return db.select().from(findings).where(eq(findings.revisionId, revisionId)).orderBy(asc(findings.startOffset), asc(findings.checkId));
}

export async function lockFinding(tx: Tx, findingId: string): Promise<FindingRow | undefined> {
  const [row] = await tx.select().from(findings).where(eq(findings.id, findingId)).for('update');
  return row;
}

export async function waiveFindingRow(tx: Tx, findingId: string, userId: string, reason: string): Promise<void> {
  await tx
    .update(findings)
    .set({ waivedBy: userId, waivedAt: sql`now()`, waiveReason: reason })
    .where(and(eq(findings.id, findingId), isNull(findings.waivedAt)));
}
