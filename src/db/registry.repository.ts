import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Executor, Tx } from './pool';
import { platformFilings, platforms, users } from './schema';

export type PlatformRecord = typeof platforms.$inferSelect;
export type FilingRow = typeof platformFilings.$inferSelect;

/** The platform row, locked for the rest of the transaction (every registry change of one platform is serialised). */
export async function lockPlatform(tx: Tx, id: string): Promise<PlatformRecord | undefined> {
  const [row] = await tx.select().from(platforms).where(eq(platforms.id, id)).for('update');
  return row;
}

export async function updatePlatform(tx: Tx, id: string, values: Partial<typeof platforms.$inferInsert>): Promise<PlatformRecord> {
  const [row] = await tx.update(platforms).set(values).where(eq(platforms.id, id)).returning();
  if (!row) throw new Error('platform update returned nothing');
  return row;
}

export async function insertFiling(tx: Tx, values: typeof platformFilings.$inferInsert): Promise<FilingRow> {
  const [row] = await tx.insert(platformFilings).values(values).returning();
  if (!row) throw new Error('filing insert returned nothing');
  return row;
}

export async function getFiling(db: Executor, id: string): Promise<FilingRow | undefined> {
  const [row] = await db.select().from(platformFilings).where(eq(platformFilings.id, id));
  return row;
}

export async function decideFilingRow(tx: Tx, id: string, values: Pick<FilingRow, 'status' | 'decidedBy' | 'decisionComment'>): Promise<FilingRow> {
  const [row] = await tx
    .update(platformFilings)
    .set({ ...values, decidedAt: new Date() })
    .where(and(eq(platformFilings.id, id), eq(platformFilings.status, 'pending')))
    .returning();
  if (!row) throw new Error('filing decision updated nothing');
  return row;
}

export async function filingsOf(db: Executor, platformIds: readonly string[]): Promise<FilingRow[]> {
  if (platformIds.length === 0) return [];
  return db
    .select()
    .from(platformFilings)
    .where(inArray(platformFilings.platformId, [...platformIds]))
    .orderBy(desc(platformFilings.filedAt));
}

export async function pendingFilingOf(db: Executor, platformId: string, kind: string): Promise<FilingRow | undefined> {
  const [row] = await db
    .select()
    .from(platformFilings)
    .where(and(eq(platformFilings.platformId, platformId), eq(platformFilings.kind, kind), eq(platformFilings.status, 'pending')));
  return row;
}

export interface RegistryFilter {
  status?: string | undefined;
  kind?: string | undefined;
  level?: string | undefined;
  unitId?: string | undefined;
}

export async function listRegistry(db: Executor, filter: RegistryFilter): Promise<PlatformRecord[]> {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(platforms.status, filter.status));
  if (filter.kind) where.push(eq(platforms.kind, filter.kind));
  if (filter.level) where.push(eq(platforms.level, filter.level));
  if (filter.unitId) where.push(eq(platforms.unitId, filter.unitId));
  return db
    .select()
    .from(platforms)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(platforms.name));
}

/** Enabled staff of a unit, for the 责任人 and 后台管理人员 pickers. */
export async function staffOfUnit(db: Executor, unitId: string) {
  return db
    .select({ id: users.id, displayName: users.displayName, staffId: users.staffId })
    .from(users)
    .where(and(eq(users.unitId, unitId), eq(users.isStaff, true), eq(users.disabled, false)))
    .orderBy(asc(users.displayName));
}
