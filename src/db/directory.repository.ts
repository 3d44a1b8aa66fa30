import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor, Tx } from './pool';
import { platforms, sessions, units, users } from './schema';

export type UnitRow = typeof units.$inferSelect;
export type PlatformRow = typeof platforms.$inferSelect;
export type UserRow = typeof users.$inferSelect;

export async function insertUnit(db: Executor, values: typeof units.$inferInsert): Promise<UnitRow> {
  const [row] = await db.insert(units).values(values).returning();
  if (!row) throw new Error('unit insert returned nothing');
  return row;
}

export async function listUnits(db: Executor): Promise<UnitRow[]> {
  return db.select().from(units).orderBy(asc(units.code));
}

export async function getUnit(db: Executor, id: string): Promise<UnitRow | undefined> {
  const [row] = await db.select().from(units).where(eq(units.id, id));
  return row;
}

export async function insertPlatform(db: Executor, values: typeof platforms.$inferInsert): Promise<PlatformRow> {
  const [row] = await db.insert(platforms).values(values).returning();
  if (!row) throw new Error('platform insert returned nothing');
  return row;
}

export async function listPlatforms(db: Executor): Promise<PlatformRow[]> {
  return db.select().from(platforms).orderBy(asc(platforms.name));
}

export async function getPlatform(db: Executor, id: string): Promise<PlatformRow | undefined> {
  const [row] = await db.select().from(platforms).where(eq(platforms.id, id));
  return row;
}

export async function insertUser(db: Executor, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  if (!row) throw new Error('user insert returned nothing');
  return row;
}

export async function listUsers(db: Executor): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.username));
}

export async function getUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.username, username));
  return row;
}

export async function lockUserByUsername(tx: Tx, username: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.username, username)).for('update');
  return row;
}

export async function updateUser(db: Executor, id: string, values: Partial<typeof users.$inferInsert>): Promise<UserRow> {
  const [row] = await db.update(users).set(values).where(eq(users.id, id)).returning();
  if (!row) throw new Error('user update returned nothing');
  return row;
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

export async function insertSession(db: Executor, values: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(values);
}

/**
 * The live session for a token hash, refreshing its idle clock. A session idle past `idleMinutes`, past its
 * absolute expiry or revoked is not returned.
 */
export async function touchSession(
  db: Executor,
  id: string,
  idleMinutes: number,
): Promise<{ userId: string; createdAt: Date } | undefined> {
  const rows = await db
    .update(sessions)
    .set({ lastSeenAt: sql`now()` })
    .where(
      and(
        eq(sessions.id, id),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${idleMinutes})`),
      ),
    )
    .returning({ userId: sessions.userId, createdAt: sessions.createdAt });
  return rows[0];
}

export async function revokeSession(db: Executor, id: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(eq(sessions.id, id));
}

export async function revokeUserSessions(db: Executor, userId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}
