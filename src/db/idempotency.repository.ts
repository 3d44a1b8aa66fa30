import { and, eq } from 'drizzle-orm';
import type { Tx } from './pool';
import { idempotencyKeys } from './schema';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Claims `key` for this user inside the caller's transaction; when another request holds it, returns the stored
 * row instead. A concurrent repeat blocks on the first one's row until that commits or rolls back.
 */
export async function claimIdempotencyKey(tx: Tx, claim: { userId: string; key: string; requestHash: string }): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRow | undefined }> {
  const inserted = await tx.insert(idempotencyKeys).values(claim).onConflictDoNothing().returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { claimed: true };
  const [existing] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, claim.userId), eq(idempotencyKeys.key, claim.key)));
  return { claimed: false, existing };
}

/** Stores the answer a claimed key will replay. */
export async function recordIdempotentResponse(tx: Tx, userId: string, key: string, draftId: string, response: unknown): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ draftId, response })
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}
