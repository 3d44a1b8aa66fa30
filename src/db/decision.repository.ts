import { asc, eq } from 'drizzle-orm';
import type { Executor, Tx } from './pool';
import { decisions } from './schema';

/*
 * The `decisions` table: 三审 decisions (approve, return, reject) of a draft.
 */

export type DecisionRow = typeof decisions.$inferSelect;

export async function listDecisions(db: Executor, draftId: string): Promise<DecisionRow[]> {
  return db.select().from(decisions).where(eq(decisions.draftId, draftId)).orderBy(asc(decisions.seq));
}

export async function insertDecision(tx: Tx, values: typeof decisions.$inferInsert): Promise<DecisionRow> {
  const [row] = await tx.insert(decisions).values(values).returning();
  if (!row) throw new Error('decision insert returned nothing');
  return row;
}
