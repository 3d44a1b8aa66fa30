import { sql } from 'drizzle-orm';
import type { StoredAuditEvent } from '../domain/audit';
import type { AuditOutcome } from '../domain/audit';
import type { Executor } from './pool';
import type { PlatformRecord } from './registry.repository';

/** Reads for the office's records (年检, 审稿单): everything comes from the trail and the register. */

export interface PlatformEventRow {
  platformId: string;
  draftId: string;
  revisionId: string | null;
  type: string;
  actorId: string | null;
  actorName: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Draft events of the given types on these platforms' drafts, in [from, to). */
export async function draftEventsIn(db: Executor, platformIds: readonly string[], types: readonly string[], from: Date, to: Date): Promise<PlatformEventRow[]> {
  if (platformIds.length === 0) return [];
  const result = await db.execute<PlatformEventRow & Record<string, unknown>>(sql`
    SELECT d.platform_id AS "platformId", e.draft_id AS "draftId", e.revision_id AS "revisionId", e.type, e.actor_id AS "actorId",
           e.actor_name AS "actorName", e.data, e.created_at AS "createdAt"
    FROM audit_events e JOIN drafts d ON d.id = e.draft_id
    WHERE e.type IN (${sql.join(
      types.map((t) => sql`${t}`),
      sql`, `,
    )})
      AND e.created_at >= ${from.toISOString()}::timestamptz AND e.created_at < ${to.toISOString()}::timestamptz
      AND d.platform_id IN (${sql.join(
        platformIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})
    ORDER BY e.created_at, e.id`);
  return result.rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
}

/** The last release of each platform before `before` (any year). */
export async function lastReleases(db: Executor, platformIds: readonly string[], before: Date): Promise<Map<string, Date>> {
  if (platformIds.length === 0) return new Map();
  const result = await db.execute<{ platformId: string; at: string }>(sql`
    SELECT d.platform_id AS "platformId", max(e.created_at) AS at
    FROM audit_events e JOIN drafts d ON d.id = e.draft_id
    WHERE e.type = 'draft.released' AND e.created_at < ${before.toISOString()}::timestamptz
      AND d.platform_id IN (${sql.join(
        platformIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})
    GROUP BY d.platform_id`);
  return new Map(result.rows.map((r) => [r.platformId, new Date(r.at)]));
}

/** An `audit_events` row as raw SQL returns it (snake_case, times as strings). */
interface AuditEventSqlRow extends Record<string, unknown> {
  id: string | number;
  chain: string;
  seq: number;
  draft_id: string | null;
  revision_id: string | null;
  actor_id: string | null;
  actor_name: string;
  type: string;
  outcome: string;
  data: Record<string, unknown>;
  created_at: string | Date;
  prev_hash: string;
  hash: string;
}

/** A `platforms` row as raw SQL returns it. */
interface PlatformSqlRow extends Record<string, unknown> {
  created_at: string | Date;
  registered_at: string | Date | null;
  deregistered_at: string | Date | null;
}

/** Whole chains, ordered by (chain, seq), for verification and stage timing. */
export async function chainsByName(db: Executor, chains: readonly string[]): Promise<Map<string, StoredAuditEvent[]>> {
  const out = new Map<string, StoredAuditEvent[]>();
  if (chains.length === 0) return out;
  const result = await db.execute<AuditEventSqlRow>(sql`
    SELECT id, chain, seq, draft_id, revision_id, actor_id, actor_name, type, outcome, data, created_at, prev_hash, hash
    FROM audit_events WHERE chain IN (${sql.join(
      chains.map((c) => sql`${c}`),
      sql`, `,
    )}) ORDER BY chain, seq`);
  for (const r of result.rows) {
    const event: StoredAuditEvent = {
      id: Number(r.id),
      chain: r.chain,
      seq: r.seq,
      draftId: r.draft_id,
      revisionId: r.revision_id,
      actorId: r.actor_id,
      actorName: r.actor_name,
      type: r.type,
      outcome: r.outcome as AuditOutcome,
      data: r.data,
      createdAt: new Date(r.created_at),
      prevHash: r.prev_hash,
      hash: r.hash,
    };
    const list = out.get(event.chain) ?? [];
    list.push(event);
    out.set(event.chain, list);
  }
  return out;
}

/** Blocking findings of these revisions, counted by check and category ("blocked, and why"). */
export async function blockingByRevision(db: Executor, revisionIds: readonly string[]): Promise<Array<{ revisionId: string; checkId: string; category: string; n: number }>> {
  if (revisionIds.length === 0) return [];
  const result = await db.execute<{ revisionId: string; checkId: string; category: string; n: number }>(sql`
    SELECT revision_id AS "revisionId", check_id AS "checkId", category, count(*)::int AS n FROM findings
    WHERE severity = 'block' AND revision_id IN (${sql.join(
      revisionIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
    GROUP BY revision_id, check_id, category`);
  return result.rows;
}

export async function draftFlags(db: Executor, draftIds: readonly string[]): Promise<Map<string, { number: string; title: string; major: boolean; escalated: boolean }>> {
  if (draftIds.length === 0) return new Map();
  const result = await db.execute<{ id: string; number: string; title: string; major: boolean; escalated: boolean }>(sql`
    SELECT id, number, title, major, escalated FROM drafts WHERE id IN (${sql.join(
      draftIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`);
  return new Map(result.rows.map((r) => [r.id, r]));
}

/** Platforms on the register during [from, to): registered before its end and not deregistered before its start. */
export async function platformsInPeriod(db: Executor, from: Date, to: Date, platformId?: string): Promise<PlatformRecord[]> {
  const result = await db.execute<PlatformSqlRow>(sql`
    SELECT * FROM platforms
    WHERE status IN ('registered', 'deregistered')
      AND coalesce(registered_at, created_at) < ${to.toISOString()}::timestamptz
      AND (deregistered_at IS NULL OR deregistered_at >= ${from.toISOString()}::timestamptz)
      ${platformId ? sql`AND id = ${platformId}::uuid` : sql``}
    ORDER BY name`);
  return result.rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    level: r.level,
    unitId: r.unit_id,
    createdAt: new Date(r.created_at),
    status: r.status,
    accountName: r.account_name,
    accountId: r.account_id,
    responsibleId: r.responsible_id,
    admins: r.admins,
    correspondents: r.correspondents,
    positioning: r.positioning,
    openedOn: r.opened_on,
    partner: r.partner,
    registeredAt: r.registered_at ? new Date(r.registered_at) : null,
    deregisteredAt: r.deregistered_at ? new Date(r.deregistered_at) : null,
  })) as PlatformRecord[];
}

/** Released drafts of a platform whose (last) release falls in [from, to), oldest first: the batch print. */
export async function releasedDraftIds(db: Executor, platformId: string, from: Date, to: Date): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT DISTINCT ON (e.draft_id) e.draft_id AS id, e.created_at FROM audit_events e JOIN drafts d ON d.id = e.draft_id
    WHERE e.type = 'draft.released' AND d.platform_id = ${platformId}::uuid
      AND e.created_at >= ${from.toISOString()}::timestamptz AND e.created_at < ${to.toISOString()}::timestamptz
    ORDER BY e.draft_id, e.created_at DESC`);
  const at = (r: { created_at?: unknown }) => new Date(r.created_at as string).getTime();
  return (result.rows as Array<{ id: string; created_at?: unknown }>).sort((a, b) => at(a) - at(b)).map((r) => r.id);
}
