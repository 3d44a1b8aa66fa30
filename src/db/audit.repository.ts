import { asc, eq, sql } from 'drizzle-orm';
import { auditEventHash, GENESIS_HASH, type AuditOutcome, type StoredAuditEvent } from '../domain/audit';
import type { AuditEvent } from '../domain/audit-events';
import type { Executor, Tx } from './pool';
import { auditEvents } from './schema';

/** Where an event goes and who caused it; what happened is the catalogued AuditEvent (src/domain/audit-events.ts). */
export interface AuditEnvelope {
  chain: string;
  draftId?: string | null;
  revisionId?: string | null;
  actorId: string | null;
  actorName: string;
  outcome?: AuditOutcome;
}

export type NewAuditEvent = AuditEnvelope & AuditEvent;

/**
 * Appends one event to its hash chain inside the caller's transaction. The advisory lock serialises writers of
 * the same chain so two transactions can never both extend the same head; time comes from the database clock.
 */
export async function appendAuditEvent(tx: Tx, event: NewAuditEvent): Promise<StoredAuditEvent> {
  const [stored] = await appendAuditEvents(tx, event.chain, [event]);
  return stored!;
}

/**
 * Appends events to one chain, in order, with one lock and one head lookup; they share the database time.
 * @throws Error when an event names another chain
 */
export async function appendAuditEvents(tx: Tx, chain: string, events: readonly NewAuditEvent[]): Promise<StoredAuditEvent[]> {
  if (events.some((e) => e.chain !== chain)) throw new Error('appendAuditEvents: every event must belong to the chain');
  if (events.length === 0) return [];
  // Two statements on purpose: under READ COMMITTED the head query needs a snapshot taken after the lock is held.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${chain}, 0))`);
  const head = await tx.execute<{ seq: number | null; hash: string | null; now: string }>(sql`
    SELECT (SELECT seq FROM audit_events WHERE chain = ${chain} ORDER BY seq DESC LIMIT 1) AS seq,
           (SELECT hash FROM audit_events WHERE chain = ${chain} ORDER BY seq DESC LIMIT 1) AS hash,
           to_char(date_trunc('milliseconds', clock_timestamp()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`);
  const row = head.rows[0];
  if (!row) throw new Error('audit head query returned nothing');
  return insertEvents(tx, events, row.seq ?? 0, row.hash ?? GENESIS_HASH, new Date(row.now));
}

/**
 * Appends the first event of a chain that was created in this same transaction (a new draft's), so no other
 * transaction can see the chain yet: no lock and no head lookup are needed. `at` is a database time taken in this
 * transaction (the new row's `created_at`).
 */
export async function appendGenesisEvent(tx: Tx, event: NewAuditEvent, at: Date): Promise<StoredAuditEvent> {
  const [stored] = await insertEvents(tx, [event], 0, GENESIS_HASH, at);
  return stored!;
}

/** Links `events` onto a chain whose head is (`seq`, `prevHash`) and inserts them in one statement. */
async function insertEvents(tx: Tx, events: readonly NewAuditEvent[], seq: number, prevHash: string, createdAt: Date): Promise<StoredAuditEvent[]> {
  const linked: Array<Omit<StoredAuditEvent, 'id'>> = [];
  for (const event of events) {
    const body = {
      chain: event.chain,
      seq: ++seq,
      draftId: event.draftId ?? null,
      revisionId: event.revisionId ?? null,
      actorId: event.actorId,
      actorName: event.actorName,
      type: event.type,
      outcome: event.outcome ?? 'success',
      data: event.data ?? {},
      createdAt,
    };
    const hash = auditEventHash(prevHash, body);
    linked.push({ ...body, prevHash, hash });
    prevHash = hash;
  }
  const ids = await tx.insert(auditEvents).values(linked).returning({ id: auditEvents.id, seq: auditEvents.seq });
  const idOf = new Map(ids.map((r) => [r.seq, r.id]));
  return linked.map((e) => ({ ...e, id: idOf.get(e.seq)! }));
}

function toStored(row: typeof auditEvents.$inferSelect): StoredAuditEvent {
  return { ...row, outcome: row.outcome as AuditOutcome };
}

export async function listChain(db: Executor, chain: string): Promise<StoredAuditEvent[]> {
  const rows = await db.select().from(auditEvents).where(eq(auditEvents.chain, chain)).orderBy(asc(auditEvents.seq));
  return rows.map(toStored);
}

/** One page of the whole trail in (chain, seq) order, after the given position: for verifying every chain in one pass. */
export async function eventsAfter(db: Executor, after: { chain: string; seq: number } | null, limit: number): Promise<StoredAuditEvent[]> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(after ? sql`(${auditEvents.chain}, ${auditEvents.seq}) > (${after.chain}, ${after.seq})` : undefined)
    .orderBy(asc(auditEvents.chain), asc(auditEvents.seq))
    .limit(limit);
  return rows.map(toStored);
}

export type ChainHead = {
  chain: string;
  seq: number;
  hash: string;
};

/**
 * The heads that moved since they were last written to a checkpoint. audit_chain_heads is kept by a trigger in the
 * transaction of every append; the partial index holds exactly these rows, so an idle system reads nothing.
 */
export async function movedChainHeads(db: Executor): Promise<ChainHead[]> {
  const result = await db.execute<ChainHead>(sql`
    SELECT chain, seq, hash FROM audit_chain_heads WHERE seq > checkpointed_seq ORDER BY chain`);
  return result.rows;
}

/** Records that these heads are signed in checkpoint file `no` (a later append keeps its chain "moved"). */
export async function markHeadsCheckpointed(db: Executor, no: number, heads: readonly ChainHead[]): Promise<void> {
  if (heads.length === 0) return;
  await db.execute(sql`
    UPDATE audit_chain_heads h SET checkpointed_seq = GREATEST(h.checkpointed_seq, s.seq), checkpoint_no = ${no}
    FROM jsonb_to_recordset(${JSON.stringify(heads.map((h) => ({ chain: h.chain, seq: h.seq })))}::jsonb) AS s(chain text, seq int)
    WHERE h.chain = s.chain`);
}

/** The checkpoint file that holds a chain's latest signed head, as recorded when it was written (a hint, see verify). */
export async function chainCheckpointNo(db: Executor, chain: string): Promise<number | null> {
  const result = await db.execute<{ no: string | null }>(sql`SELECT checkpoint_no AS no FROM audit_chain_heads WHERE chain = ${chain}`);
  const no = result.rows[0]?.no;
  return no === null || no === undefined ? null : Number(no);
}

/** Signed (chain, seq, hash) pairs the database no longer agrees with: the event is gone or its hash differs. */
export async function disagreeingHeads(db: Executor, pairs: readonly ChainHead[]): Promise<ChainHead[]> {
  const out: ChainHead[] = [];
  for (let i = 0; i < pairs.length; i += 50_000) {
    const part = pairs.slice(i, i + 50_000);
    const result = await db.execute<ChainHead>(sql`
      SELECT s.chain, s.seq, s.hash
      FROM jsonb_to_recordset(${JSON.stringify(part)}::jsonb) AS s(chain text, seq int, hash text)
      LEFT JOIN audit_events e ON e.chain = s.chain AND e.seq = s.seq
      WHERE e.hash IS DISTINCT FROM s.hash`);
    out.push(...result.rows);
  }
  return out;
}

export interface CheckpointFileRow {
  no: number;
  kind: 'incremental' | 'snapshot';
  name: string;
  files: number;
  sha256: string;
  heads: number;
  createdAt: Date;
}

/** The manifest of checkpoint files that retention has not removed, in order. */
export async function checkpointManifest(db: Executor): Promise<CheckpointFileRow[]> {
  const result = await db.execute<{ no: string; kind: CheckpointFileRow['kind']; name: string; files: number; sha256: string; heads: number; created_at: string | Date }>(sql`
    SELECT no, kind, name, files, sha256, heads, created_at FROM audit_checkpoint_files WHERE pruned_at IS NULL ORDER BY no`);
  return result.rows.map((r) => ({ no: Number(r.no), kind: r.kind, name: r.name, files: r.files, sha256: r.sha256, heads: r.heads, createdAt: new Date(r.created_at) }));
}

export async function lastCheckpointFile(db: Executor): Promise<CheckpointFileRow | null> {
  const result = await db.execute<{ no: string; kind: CheckpointFileRow['kind']; name: string; files: number; sha256: string; heads: number; created_at: string | Date }>(sql`
    SELECT no, kind, name, files, sha256, heads, created_at FROM audit_checkpoint_files ORDER BY no DESC LIMIT 1`);
  const r = result.rows[0];
  return r ? { no: Number(r.no), kind: r.kind, name: r.name, files: r.files, sha256: r.sha256, heads: r.heads, createdAt: new Date(r.created_at) } : null;
}

export async function lastSnapshotFile(db: Executor): Promise<CheckpointFileRow | null> {
  const result = await db.execute<{ no: string; kind: CheckpointFileRow['kind']; name: string; files: number; sha256: string; heads: number; created_at: string | Date }>(sql`
    SELECT no, kind, name, files, sha256, heads, created_at FROM audit_checkpoint_files WHERE kind = 'snapshot' ORDER BY no DESC LIMIT 1`);
  const r = result.rows[0];
  return r ? { no: Number(r.no), kind: r.kind, name: r.name, files: r.files, sha256: r.sha256, heads: r.heads, createdAt: new Date(r.created_at) } : null;
}

export async function recordCheckpointFile(db: Executor, row: CheckpointFileRow): Promise<void> {
  await db.execute(sql`
    INSERT INTO audit_checkpoint_files (no, kind, name, files, sha256, heads, created_at)
    VALUES (${row.no}, ${row.kind}, ${row.name}, ${row.files}, ${row.sha256}, ${row.heads}, ${row.createdAt.toISOString()})`);
}

export async function markCheckpointFilesPruned(db: Executor, beforeNo: number, at: Date): Promise<void> {
  await db.execute(sql`UPDATE audit_checkpoint_files SET pruned_at = ${at.toISOString()} WHERE no < ${beforeNo} AND pruned_at IS NULL`);
}

export async function eventAt(db: Executor, chain: string, seq: number): Promise<StoredAuditEvent | undefined> {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(sql`${auditEvents.chain} = ${chain} AND ${auditEvents.seq} = ${seq}`);
  return rows[0] ? toStored(rows[0]) : undefined;
}
