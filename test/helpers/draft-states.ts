import { sql } from 'drizzle-orm';
import { failCheckRun } from '../../src/services/fail-check-run.service';
import { CheckAttemptError, createCheckService, runCheck, type CheckRunner } from '../../src/services/run-check.service';
import { draftBody, sharedEngine, type TestContext } from './test-context';

/**
 * Drafts in a given workflow state, built through the real API and the real checks (run inline instead of by a
 * worker, so a test does not wait on the queue). Every step is a request a person could make.
 */
export type DraftState = 'checking' | 'checks_failed' | 'first' | 'second' | 'final' | 'propaganda' | 'approved' | 'released' | 'returned' | 'blocked_review' | 'rejected' | 'withdrawn';

export interface DraftFixture {
  id: string;
  unitId: string;
  /** Who submitted it. */
  author: string;
}

export interface StateOptions {
  /** Submitting editor (default `editor`; `foreign` writes to the other unit's platform). */
  author?: string;
  /** Approvers per stage (defaults r1, r2, r3, prop). */
  approvers?: Partial<Record<'first' | 'second' | 'final' | 'propaganda', string>>;
  major?: boolean;
  title?: string;
  /** More submission fields (body, assets, …) merged over the defaults. */
  extra?: Record<string, unknown>;
}

/** A check that keeps throwing, to use up a run's attempts (a poison check through the real runner interface). */
const THROWING: CheckRunner = {
  run: () => {
    throw new Error('check crashed');
  },
};

export async function currentRevision(ctx: TestContext, draftId: string): Promise<{ revisionId: string; version: number; status: string; stage: string | null }> {
  const rows = await ctx.runtime.deps.db.execute<{ current_revision_id: string; version: number; status: string; stage: string | null }>(
    sql`SELECT current_revision_id, version, status, stage FROM drafts WHERE id = ${draftId}`,
  );
  const row = rows.rows[0];
  if (!row) throw new Error(`draft ${draftId} not found`);
  return { revisionId: row.current_revision_id, version: row.version, status: row.status, stage: row.stage };
}

/** Runs every owed check of the draft's current revision with the real engine, together, as the worker does. */
export async function completeChecks(ctx: TestContext, draftId: string): Promise<void> {
  const checks = createCheckService(ctx.runtime.deps, await sharedEngine());
  const { revisionId } = await currentRevision(ctx, draftId);
  await Promise.all(ctx.runtime.deps.checkIds.map((checkId) => checks.run({ revisionId, checkId })));
}

async function expectOk(res: { status: number; body: unknown }, what: string): Promise<void> {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function decide(ctx: TestContext, user: string, draftId: string, stage: string, action: 'approve' | 'return' | 'reject' = 'approve'): Promise<void> {
  const { version } = await currentRevision(ctx, draftId);
  const res = await ctx.api(user).post(`/api/drafts/${draftId}/decisions`, { stage, action, comment: action === 'approve' ? '同意' : '请修改', version });
  await expectOk(res, `${user} ${action} ${stage}`);
}

/** A fresh draft in `state`. */
export async function draftIn(ctx: TestContext, state: DraftState, options: StateOptions = {}): Promise<DraftFixture> {
  const author = options.author ?? 'editor';
  const platformId = author === 'foreign' ? ctx.people.otherPlatformId : ctx.people.platformId;
  const blocked = state === 'blocked_review';
  const body = blocked ? '有人在校内组织赌博活动，请同学们注意。' : undefined;
  const submitted = await ctx
    .api(author)
    .post(
      '/api/drafts',
      draftBody(ctx, { platformId, major: options.major ?? state === 'propaganda', ...(options.title ? { title: options.title } : {}), ...(body ? { body } : {}), ...options.extra }),
    );
  await expectOk(submitted, `submit as ${author}`);
  const id = submitted.body.id as string;
  const fixture: DraftFixture = { id, unitId: author === 'foreign' ? ctx.people.otherUnitId : ctx.people.unitId, author };
  if (state === 'checking') return fixture;
  if (state === 'checks_failed') {
    // What the worker does with a check that keeps throwing: retry until the attempts are used up, then give up.
    const job = { revisionId: (await currentRevision(ctx, id)).revisionId, checkId: 'sensitive' };
    for (;;) {
      const error = await runCheck(ctx.runtime.deps, THROWING, job).then(
        () => null,
        (e: unknown) => e,
      );
      if (!(error instanceof CheckAttemptError)) throw new Error(`a throwing check did not fail its attempt: ${String(error)}`);
      if (error.attempts >= ctx.runtime.deps.checkMaxAttempts) break;
    }
    await failCheckRun(ctx.runtime.deps, job, 'check crashed');
    const { status } = await currentRevision(ctx, id);
    if (status !== 'checks_failed') throw new Error(`giving up the run left the draft ${status}`);
    return fixture;
  }
  await completeChecks(ctx, id);
  if (blocked) {
    // The block finding returned it; the author sends it on with a statement, and it waits at 初审 with the finding.
    const { version } = await currentRevision(ctx, id);
    await expectOk(await ctx.api(author).post(`/api/drafts/${id}/resubmit`, { statement: '已核实，属于警示通报', version }), 'resubmit');
    return fixture;
  }
  if (state === 'withdrawn') {
    const { version } = await currentRevision(ctx, id);
    await expectOk(await ctx.api(author).post(`/api/drafts/${id}/withdraw`, { version }), 'withdraw');
    return fixture;
  }
  const by = { first: 'r1', second: 'r2', final: 'r3', propaganda: 'prop', ...options.approvers };
  if (state === 'first') return fixture;
  // The other unit has one reviewer account (`foreign`), who is also its editor: nobody there may review.
  if (author === 'foreign') throw new Error('drafts of the other unit go no further than 初审 here');
  if (state === 'returned' || state === 'rejected') {
    await decide(ctx, by.first, id, 'first', state === 'returned' ? 'return' : 'reject');
    return fixture;
  }
  await decide(ctx, by.first, id, 'first');
  if (state === 'second') return fixture;
  await decide(ctx, by.second, id, 'second');
  if (state === 'final') return fixture;
  await decide(ctx, by.final, id, 'final');
  if (state === 'propaganda') return fixture;
  if (options.major) await decide(ctx, by.propaganda, id, 'propaganda');
  if (state === 'approved') return fixture;
  const { version } = await currentRevision(ctx, id);
  await expectOk(await ctx.api(author).post(`/api/drafts/${id}/release`, { version }), 'release');
  return fixture;
}

/**
 * Counts that any state change moves: drafts and their versions, revisions, decisions, waivers, draft trail events,
 * accounts and roles, units, platforms, dictionary changes, revoked sessions. Security events are left out (a
 * denial is supposed to add one).
 */
export async function stateSnapshot(ctx: TestContext): Promise<Record<string, unknown>> {
  const rows = await ctx.runtime.deps.db.execute(sql`
    SELECT (SELECT count(*) FROM drafts)::int AS drafts, (SELECT coalesce(sum(version), 0) FROM drafts)::int AS versions,
           (SELECT count(*) FROM revisions)::int AS revisions, (SELECT count(*) FROM decisions)::int AS decisions,
           (SELECT count(*) FROM findings WHERE waived_at IS NOT NULL)::int AS waived,
           (SELECT count(*) FROM audit_events WHERE chain <> 'security')::int AS draft_events,
           (SELECT count(*) FROM users)::int AS users, (SELECT string_agg(roles::text, ';' ORDER BY id) FROM users) AS roles,
           (SELECT count(*) FROM units)::int AS units, (SELECT count(*) FROM platforms)::int AS platforms,
           (SELECT count(*) FROM dictionary_changes)::int AS dictionary_changes,
           (SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL)::int AS revoked,
           (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM notification_channels) AS channels,
           (SELECT string_agg(user_id || email_enabled::text || digest::text || coalesce(quiet_start, '') || coalesce(quiet_end, ''), ';' ORDER BY user_id) FROM notification_preferences) AS preferences,
           (SELECT string_agg(coalesce(email, '-'), ';' ORDER BY id) FROM users) AS emails,
           (SELECT count(*) FROM notification_deliveries WHERE status = 'failed')::int AS failed_deliveries,
           (SELECT count(*) FROM notification_inbox WHERE read_at IS NOT NULL)::int AS read_notifications`);
  return rows.rows[0] as Record<string, unknown>;
}
