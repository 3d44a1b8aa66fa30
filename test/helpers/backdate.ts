import { Client } from 'pg';
import { auditEventHash, GENESIS_HASH, type AuditOutcome } from '../../src/domain/audit';
import type { TestContext } from './test-context';

/**
 * Moves a chain's events in time (and optionally patches their data), then re-links the whole chain so it still
 * verifies: what a year of real use would have left in the trail, made in seconds. Runs as the superuser with the
 * append-only trigger off, exactly like the tampering tests, and only in tests.
 */
export async function rewriteChain(
  ctx: TestContext,
  chain: string,
  change: (event: { seq: number; type: string; createdAt: Date; data: Record<string, any> }) => { createdAt?: Date; data?: Record<string, any> } | undefined,
): Promise<void> {
  const client = new Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_rewrite');
    const { rows } = await client.query('SELECT * FROM audit_events WHERE chain = $1 ORDER BY seq', [chain]);
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const patch = change({ seq: r.seq, type: r.type, createdAt: new Date(r.created_at), data: r.data }) ?? {};
      const body = {
        chain: r.chain,
        seq: r.seq,
        draftId: r.draft_id,
        revisionId: r.revision_id,
        actorId: r.actor_id,
        actorName: r.actor_name,
        type: r.type,
        outcome: r.outcome as AuditOutcome,
        data: patch.data ?? r.data,
        createdAt: patch.createdAt ?? new Date(r.created_at),
      };
      const hash = auditEventHash(prev, body);
      await client.query('UPDATE audit_events SET created_at = $2, data = $3, prev_hash = $4, hash = $5 WHERE id = $1', [r.id, body.createdAt, JSON.stringify(body.data), prev, hash]);
      prev = hash;
    }
    // The chain head the checkpoints read follows the rewritten chain.
    const last = rows.at(-1);
    if (last && (await client.query(`SELECT to_regclass('audit_chain_heads') AS t`)).rows[0].t) {
      await client.query('UPDATE audit_chain_heads SET hash = $2 WHERE chain = $1 AND seq = $3', [chain, prev, last.seq]);
    }
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_rewrite');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** Shifts a draft's whole chain so that its (last) release happened at `releasedAt`. */
export async function backdateRelease(ctx: TestContext, draftId: string, releasedAt: Date): Promise<void> {
  const [release] = await ctx.superuser<{ created_at: Date }>(`SELECT created_at FROM audit_events WHERE chain = $1 AND type = 'draft.released' ORDER BY seq DESC LIMIT 1`, [`draft-${draftId}`]);
  if (!release) throw new Error(`draft ${draftId} was not released`);
  const shift = releasedAt.getTime() - new Date(release.created_at).getTime();
  await rewriteChain(ctx, `draft-${draftId}`, (e) => ({ createdAt: new Date(e.createdAt.getTime() + shift) }));
  await ctx.superuser('UPDATE drafts SET released_at = $2, created_at = created_at + make_interval(secs => $3) WHERE id = $1', [draftId, releasedAt, shift / 1000]);
  await ctx.superuser('UPDATE decisions SET created_at = created_at + make_interval(secs => $2) WHERE draft_id = $1', [draftId, shift / 1000]);
  await ctx.superuser('UPDATE findings SET waived_at = waived_at + make_interval(secs => $2) WHERE draft_id = $1 AND waived_at IS NOT NULL', [draftId, shift / 1000]);
}
