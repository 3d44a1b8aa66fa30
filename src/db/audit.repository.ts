import { asc, eq, sql } from 'drizzle-orm';
import { auditEventHash, GENESIS_HASH, type AuditOutcome, type StoredAuditEvent } from '../domain/audit';
import type { Executor, Tx } from './pool';
import { auditEvents } from './schema';

export interface NewAuditEvent {
  chain: string;
  draftId?: string | null;
  revisionId?: string | null;
  actorId: string | null;
  actorName: string;
  type: string;
  outcome?: AuditOutcome;
  data?: Record<string, unknown>;
}

/**
 * Appends one event to its hash chain inside the caller's transaction. The advisory lock serialises writers of
 * the same chain so two transactions can never both extend the same head; time comes from the database clock.
 */
export async function appendAuditEvent(tx: Tx, event: NewAuditEvent): Promise<StoredAuditEvent> {
  // Two statements on purpose: under READ COMMITTED the head query needs a snapshot taken after the lock is held.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${event.chain}, 0))`);
  const head = await tx.execute<{ seq: number | null; hash: string | null; now: string }>(sql`
    SELECT (SELECT seq FROM audit_events WHERE chain = ${event.chain} ORDER BY seq DESC LIMIT 1) AS seq,
           (SELECT hash FROM audit_events WHERE chain = ${event.chain} ORDER BY seq DESC LIMIT 1) AS hash,
           to_char(date_trunc('milliseconds', clock_timestamp()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`);
  const row = head.rows[0];
  if (!row) throw new Error('audit head query returned nothing');
  const body = {
    chain: event.chain,
    seq: (row.seq ?? 0) + 1,
    draftId: event.draftId ?? null,
    revisionId: event.revisionId ?? null,
    actorId: event.actorId,
    actorName: event.actorName,
    type: event.type,
    outcome: event.outcome ?? 'success',
    data: event.data ?? {},
    createdAt: new Date(row.now),
  };
  const prevHash = row.hash ?? GENESIS_HASH;
  const hash = auditEventHash(prevHash, body);
  const [inserted] = await tx
    .insert(auditEvents)
    .values({ ...body, prevHash, hash })
    .returning({ id: auditEvents.id });
  if (!inserted) throw new Error('audit insert returned nothing');
  return { ...body, id: inserted.id, prevHash, hash };
}

function toStored(row: typeof auditEvents.$inferSelect): StoredAuditEvent {
  return { ...row, outcome: row.outcome as AuditOutcome };
}

export async function listChain(db: Executor, chain: string): Promise<StoredAuditEvent[]> {
  const rows = await db.select().from(auditEvents).where(eq(auditEvents.chain, chain)).orderBy(asc(auditEvents.seq));
  return rows.map(toStored);
}

export async function listChainNames(db: Executor): Promise<string[]> {
  const rows = await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents).orderBy(asc(auditEvents.chain));
  return rows.map((r) => r.chain);
}

export async function chainHeads(db: Executor): Promise<Array<{ chain: string; seq: number; hash: string }>> {
  const result = await db.execute<{ chain: string; seq: number; hash: string }>(sql`
    SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_events ORDER BY chain, seq DESC`);
  return result.rows;
}

export async function eventAt(db: Executor, chain: string, seq: number): Promise<StoredAuditEvent | undefined> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(sql`${auditEvents.chain} = ${chain} AND ${auditEvents.seq} = ${seq}`);
  return rows[0] ? toStored(rows[0]) : undefined;
}
