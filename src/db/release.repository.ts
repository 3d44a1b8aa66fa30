import { desc, eq } from 'drizzle-orm';
import type { Executor } from './pool';
import { releases } from './schema';

export type ReleaseRow = typeof releases.$inferSelect;

/** The draft's last release (the bytes delivered then), or undefined before its first. */
export async function latestRelease(db: Executor, draftId: string): Promise<ReleaseRow | undefined> {
  const [row] = await db.select().from(releases).where(eq(releases.draftId, draftId)).orderBy(desc(releases.releasedAt)).limit(1);
  return row;
}
