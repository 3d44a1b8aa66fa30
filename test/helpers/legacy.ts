import { randomUUID } from 'node:crypto';
import { auditEventHash, draftChain, GENESIS_HASH } from '../../src/domain/audit';
import { contentHash, type RevisionContent } from '../../src/domain/content';
import type { TestContext } from './test-context';

export interface LegacyDraft {
  draftId: string;
  revisionId: string;
  number: string;
  /** The content hash as the pre-issue-9 code computed it (no media field). */
  hash: string;
  content: RevisionContent;
  createdAt: Date;
}

let serial = 0;

/**
 * Writes a draft the way a database from before issue 9 (migration 0005) holds it, with plain SQL: the revision's
 * body is the raw submitted HTML or markdown (never canonicalised), `media`/`doc_notes` are what 0005 filled in
 * (its column defaults), the content hash is the old rule's, and the trail has its `draft.submitted` genesis event,
 * hash-chained as the app wrote it. The draft waits for its checks (status `checking`, every check run owed).
 */
export async function seedLegacyDraft(ctx: TestContext, input: { title: string; body: string; format: 'html' | 'markdown'; author?: string }): Promise<LegacyDraft> {
  const author = input.author ?? 'editor';
  const authorId = ctx.people.ids[author]!;
  const draftId = randomUUID();
  const revisionId = randomUUID();
  const number = `2025-${String(900_001 + serial++)}`;
  const content: RevisionContent = { title: input.title, body: input.body, format: input.format, origin: { kind: 'original' }, assets: [] };
  const hash = contentHash(content);
  const createdAt = new Date('2026-06-01T02:00:00.000Z');
  const checks = ctx.runtime.deps.checkIds;
  const actorName = `测试${author}（${author}）`;
  const event = {
    chain: draftChain(draftId),
    seq: 1,
    draftId,
    revisionId,
    actorId: authorId,
    actorName,
    type: 'draft.submitted',
    outcome: 'success' as const,
    data: { number, platformId: ctx.people.platformId, major: false, contentHash: hash, origin: 'original', checks },
    createdAt,
  };
  const eventHash = auditEventHash(GENESIS_HASH, event);
  await ctx.superuser(
    `WITH d AS (
       INSERT INTO drafts (id, number, title, platform_id, unit_id, author_id, major, status, current_revision_id, stage_entered_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, false, 'checking', $7, $8, $8, $8) RETURNING id
     ), r AS (
       -- No media / doc_notes: the columns did not exist; migration 0005 gave old rows its defaults.
       INSERT INTO revisions (id, draft_id, number, kind, title, body, format, origin, assets, content_hash, created_by, created_at)
       SELECT $7, d.id, 1, 'submission', $3, $9, $10, '{"kind":"original"}'::jsonb, '[]'::jsonb, $11, $6, $8 FROM d RETURNING id, draft_id
     ), runs AS (
       INSERT INTO check_runs (draft_id, revision_id, check_id, created_at, updated_at)
       SELECT r.draft_id, r.id, c, $8, $8 FROM r, unnest($12::text[]) AS c
     )
     INSERT INTO audit_events (chain, seq, draft_id, revision_id, actor_id, actor_name, type, outcome, data, created_at, prev_hash, hash)
     SELECT $13, 1, r.draft_id, r.id, $6, $14, 'draft.submitted', 'success', $15::jsonb, $8, $16, $17 FROM r`,
    [draftId, number, input.title, ctx.people.platformId, ctx.people.unitId, authorId, revisionId, createdAt, input.body, input.format, hash, checks, event.chain, actorName, JSON.stringify(event.data), GENESIS_HASH, eventHash],
  );
  return { draftId, revisionId, number, hash, content, createdAt };
}
