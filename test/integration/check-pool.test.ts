import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { createCheckEngine } from '../../src/checks/engine';
import { loadEffectiveDictionary } from '../../src/services/effective-dictionary.service';
import { CheckPool, CheckTimeoutError } from '../../src/threads/check-pool';
import { startCheckWorker, testCheckWrapper } from '../../workers/checks.worker';
import { CORPUS } from '../fixtures/checks/corpus';
import { poisonCureFile, poisonTitle } from '../fixtures/poison-checks';
import { REDIS_URL } from '../helpers/db-urls';
import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

const WRAPPER = resolve(__dirname, '../fixtures/poison-checks.ts');
const TIME_LIMIT_MS = 1_000;

let ctx: TestContext;
let pool: CheckPool;
const cures: string[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'admin'] });
  const dictionary = await loadEffectiveDictionary(ctx.runtime.deps.db);
  pool = await CheckPool.start({ threads: 2, timeoutMs: TIME_LIMIT_MS, dictionary, logger: pino({ level: 'silent' }), wrapperModule: WRAPPER });
  ctx.worker = startCheckWorker(ctx.runtime, pool, REDIS_URL, {
    prefix: ctx.prefix,
    concurrency: 4,
    sweepIntervalMs: 60_000,
    sweepIdleMs: 0,
    dictionaries: { pollMs: 600_000 },
  });
  await ctx.worker.ready();
});
afterAll(async () => {
  await ctx?.worker?.close();
  await pool?.close();
  await ctx?.close();
  for (const file of cures) rmSync(file, { force: true });
});

describe('the check pool', () => {
  it('gives the same findings as the engine in process, segmenter calls included', async () => {
    const dictionary = await loadEffectiveDictionary(ctx.runtime.deps.db);
    const engine = createCheckEngine({ sources: dictionary.sources });
    const referenceTexts = [{ id: 'r1', label: '已发布', text: CORPUS[0]!.content.body }];
    for (const fixture of CORPUS) {
      for (const checkId of engine.checkIds) {
        const context = checkId === 'copyright' ? { referenceTexts } : undefined;
        expect({ fixture: fixture.id, checkId, result: await pool.run(checkId, fixture.content, context) }).toEqual({
          fixture: fixture.id,
          checkId,
          result: engine.run(checkId, fixture.content, context),
        });
      }
    }
  });

  it('cuts off a check that hangs synchronously and replaces its thread', async () => {
    const token = randomBytes(6).toString('hex');
    const started = performance.now();
    const before = pool.stats();
    const content = { ...CORPUS[0]!.content, title: poisonTitle('hang', token) };
    await expect(pool.run('sensitive', content)).rejects.toBeInstanceOf(CheckTimeoutError);
    expect(performance.now() - started).toBeLessThan(TIME_LIMIT_MS + 5_000);
    // The next run goes through on a live thread, and the pool is back to full strength.
    expect((await pool.run('sensitive', CORPUS[0]!.content)).findings).toBeDefined();
    expect(pool.stats()).toMatchObject({ threads: 2, timeouts: before.timeouts + 1, replaced: before.replaced + 1 });
  });

  it('lands hanging and throwing drafts in checks_failed while the others flow, and an admin retry then goes through', async () => {
    const hangToken = randomBytes(6).toString('hex');
    const throwToken = randomBytes(6).toString('hex');
    const hang = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: poisonTitle('hang', hangToken) }));
    const crash = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: poisonTitle('throw', throwToken) }));
    const healthy = await Promise.all(Array.from({ length: 6 }, (_, i) => ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: `正常稿件${i}` }))));
    for (const res of [hang, crash, ...healthy]) expect(res.status).toBe(201);

    for (const h of healthy) await waitForDraft(ctx, 'editor', h.body.id, (d) => d.status === 'in_review');
    const failed = await waitForDraft(ctx, 'editor', hang.body.id, (d) => d.status === 'checks_failed', 30_000);
    const run = failed.checkRuns.find((r: { check: string }) => r.check === 'sensitive');
    expect(run).toMatchObject({ status: 'failed' });
    await waitForDraft(ctx, 'editor', crash.body.id, (d) => d.status === 'checks_failed', 30_000);
    // Bounded: the attempts PostgreSQL counted, each cut off at the time limit.
    const attempts = await ctx.superuser<{ attempts: number; error: string }>("SELECT attempts, error FROM check_runs WHERE draft_id = $1 AND check_id = 'sensitive'", [hang.body.id]);
    expect(attempts[0]).toMatchObject({ attempts: 3, error: expect.stringContaining('time limit') });

    for (const token of [hangToken, throwToken]) {
      const cure = poisonCureFile(token);
      cures.push(cure);
      writeFileSync(cure, '');
    }
    for (const id of [hang.body.id, crash.body.id]) {
      expect((await ctx.api('admin').post(`/api/drafts/${id}/checks/retry`)).status).toBe(200);
      await waitForDraft(ctx, 'editor', id, (d) => d.status === 'in_review');
    }
  });

  it('rebuilds every thread on a dictionary change, without a restart', async () => {
    const term = '青柳巷茶话会';
    const oldVersion = pool.version;
    const added = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.rumour-safety/terms', { terms: [{ term, severity: 'block' }] });
    expect(added.status).toBeLessThan(300);
    const deadline = Date.now() + 15_000;
    while (pool.version === oldVersion && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pool.version).not.toBe(oldVersion);
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body: `本周五，${term}在图书馆举行。` }));
    const checked = await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status !== 'checking');
    expect(checked.findings).toEqual(expect.arrayContaining([expect.objectContaining({ matched: term, rulesetVersion: pool.version })]));
    expect(pool.stats().threads).toBe(2);
  });

  it('refuses the fault-injection switch outside NODE_ENV=test', () => {
    expect(() => testCheckWrapper({ NODE_ENV: 'production', SANSHEN_TEST_CHECK_WRAPPER: WRAPPER })).toThrow(/NODE_ENV=test/);
    expect(() => testCheckWrapper({ NODE_ENV: 'development', SANSHEN_TEST_CHECK_WRAPPER: WRAPPER })).toThrow(/NODE_ENV=test/);
    expect(() => testCheckWrapper({ NODE_ENV: 'test', SANSHEN_TEST_CHECK_WRAPPER: 'poison.ts' })).toThrow(/absolute/);
    expect(testCheckWrapper({ NODE_ENV: 'test', SANSHEN_TEST_CHECK_WRAPPER: WRAPPER })).toBe(WRAPPER);
    expect(testCheckWrapper({ NODE_ENV: 'production', SANSHEN_TEST_CHECK_WRAPPER: undefined })).toBeUndefined();
  });
});
