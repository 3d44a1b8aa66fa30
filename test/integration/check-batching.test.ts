import type { CheckRunner } from '../../src/services/run-check.service';
import { CheckAttemptError, createCheckService } from '../../src/services/run-check.service';
import { currentRevision, draftIn } from '../helpers/draft-states';
import { createTestContext, sharedEngine, type TestContext } from '../helpers/test-context';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'auditor'] });
});
afterAll(async () => {
  await ctx?.close();
});

/** The check events of a draft's trail, in chain order, with the commit they came from (their shared database time). */
async function checkEvents(draftId: string) {
  return ctx.superuser<{ seq: number; type: string; check: string; created_at: Date }>(
    "SELECT seq, type, data->>'check' AS check, created_at FROM audit_events WHERE draft_id = $1 AND type LIKE 'check%' ORDER BY seq",
    [draftId],
  );
}

/** The real engine, except that the named checks throw. */
async function failing(checks: string[]): Promise<CheckRunner> {
  const engine = await sharedEngine();
  return {
    run: (checkId, content, context) => {
      if (checks.includes(checkId)) throw new Error(`${checkId} crashed`);
      return engine.run(checkId, content, context);
    },
  };
}

describe('the runs of one revision in flight together', () => {
  it('are recorded in one commit: one chain append, one transition, every run done with its findings', async () => {
    const draft = await draftIn(ctx, 'checking');
    const before = await currentRevision(ctx, draft.id);
    // A long gathering window: the batch is written as soon as every owed run has reported, not when it expires.
    const checks = createCheckService(ctx.runtime.deps, await sharedEngine(), { gatherMs: 10_000 });
    const outcomes = await Promise.all(ctx.runtime.deps.checkIds.map((checkId) => checks.run({ revisionId: before.revisionId, checkId })));
    expect(outcomes).toEqual(ctx.runtime.deps.checkIds.map(() => 'completed'));

    const after = await currentRevision(ctx, draft.id);
    expect(after).toMatchObject({ status: 'in_review', stage: 'first', version: before.version + 1 });
    const events = await checkEvents(draft.id);
    expect(events.map((e) => e.check).sort()).toEqual([...ctx.runtime.deps.checkIds].sort());
    expect(events.map((e) => e.type)).toEqual([...Array(events.length - 1).fill('check.completed'), 'checks.completed']);
    expect(new Set(events.map((e) => e.created_at.toISOString())).size).toBe(1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => events[0]!.seq + i));
    const runs = await ctx.superuser<{ status: string; ruleset_version: string | null }>('SELECT status, ruleset_version FROM check_runs WHERE revision_id = $1', [before.revisionId]);
    expect(runs.every((r) => r.status === 'done' && r.ruleset_version)).toBe(true);
    const verify = await ctx.api('auditor').get(`/api/drafts/${draft.id}/trail/verify`);
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('records the runs that succeeded when one throws; the thrower stays owed with its attempt counted', async () => {
    const draft = await draftIn(ctx, 'checking');
    const { revisionId } = await currentRevision(ctx, draft.id);
    const checks = createCheckService(ctx.runtime.deps, await failing(['secrecy']), { gatherMs: 10_000 });
    const settled = await Promise.allSettled(ctx.runtime.deps.checkIds.map((checkId) => checks.run({ revisionId, checkId })));
    const byCheck = Object.fromEntries(ctx.runtime.deps.checkIds.map((c, i) => [c, settled[i]!]));
    expect(byCheck.secrecy).toMatchObject({ status: 'rejected', reason: expect.any(CheckAttemptError) });
    expect((byCheck.secrecy as PromiseRejectedResult).reason.attempts).toBe(1);
    for (const c of ctx.runtime.deps.checkIds.filter((c) => c !== 'secrecy')) expect(byCheck[c]).toEqual({ status: 'fulfilled', value: 'completed' });

    const runs = await ctx.superuser<{ check_id: string; status: string; attempts: number }>('SELECT check_id, status, attempts FROM check_runs WHERE revision_id = $1 ORDER BY check_id', [
      revisionId,
    ]);
    expect(runs.filter((r) => r.status === 'pending')).toEqual([{ check_id: 'secrecy', status: 'pending', attempts: 1 }]);
    expect((await currentRevision(ctx, draft.id)).status).toBe('checking');

    // Its retry, alone, completes the set and moves the draft.
    const retry = createCheckService(ctx.runtime.deps, await sharedEngine(), { gatherMs: 10_000 });
    expect(await retry.run({ revisionId, checkId: 'secrecy' })).toBe('completed');
    expect((await currentRevision(ctx, draft.id)).status).toBe('in_review');
    const events = await checkEvents(draft.id);
    expect(events.at(-1)).toMatchObject({ type: 'checks.completed', check: 'secrecy' });
    expect(events).toHaveLength(ctx.runtime.deps.checkIds.length);
  });

  it('records a run delivered twice at once only once', async () => {
    const draft = await draftIn(ctx, 'checking');
    const { revisionId } = await currentRevision(ctx, draft.id);
    const checks = createCheckService(ctx.runtime.deps, await sharedEngine(), { gatherMs: 10_000 });
    const jobs = [...ctx.runtime.deps.checkIds, 'sensitive', 'secrecy'].map((checkId) => ({ revisionId, checkId }));
    const outcomes = await Promise.all(jobs.map((job) => checks.run(job)));
    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(ctx.runtime.deps.checkIds.length);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(2);
    expect(await checkEvents(draft.id)).toHaveLength(ctx.runtime.deps.checkIds.length);
    const findings = await ctx.superuser<{ check_id: string; n: number }>('SELECT check_id, count(*)::int AS n FROM findings WHERE revision_id = $1 GROUP BY check_id', [revisionId]);
    const again = createCheckService(ctx.runtime.deps, await sharedEngine());
    expect(await again.run({ revisionId, checkId: 'sensitive' })).toBe('skipped');
    expect(await ctx.superuser('SELECT check_id, count(*)::int AS n FROM findings WHERE revision_id = $1 GROUP BY check_id', [revisionId])).toEqual(findings);
  });

  it('does not wait for a run that is not coming: a lone result is written when the gathering window ends', async () => {
    const draft = await draftIn(ctx, 'checking');
    const { revisionId } = await currentRevision(ctx, draft.id);
    const checks = createCheckService(ctx.runtime.deps, await sharedEngine(), { gatherMs: 50 });
    expect(await checks.run({ revisionId, checkId: 'proofreading' })).toBe('completed');
    const runs = await ctx.superuser<{ check_id: string }>("SELECT check_id FROM check_runs WHERE revision_id = $1 AND status = 'done'", [revisionId]);
    expect(runs).toEqual([{ check_id: 'proofreading' }]);
  });
});
