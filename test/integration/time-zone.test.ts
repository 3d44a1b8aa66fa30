/**
 * issue 10 item 7: every day / month / year boundary is taken in TZ_REVIEW (Asia/Shanghai), never in UTC. Rows are
 * placed at explicit times one minute either side of Beijing midnight (23:59 / 00:01), and the running number's
 * year is taken at an injected instant.
 */
import { randomUUID } from 'node:crypto';
import { insertSubmission } from '../../src/db/draft.repository';
import { dayKey, startOf } from '../../src/domain/calendar';
import { draftIn } from '../helpers/draft-states';
import request from 'supertest';
import { createApp } from '../../src/http/app';
import { createTestContext, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'prop', 'admin'] });
});
afterAll(async () => {
  await ctx?.close();
});

describe('TZ_REVIEW', () => {
  it('charts a finding at 23:59 Beijing on that day and one at 00:01 on the next', async () => {
    const draft = await draftIn(ctx, 'blocked_review');
    const [clock] = await ctx.superuser<{ now: Date }>('SELECT now() AS now');
    const midnight = startOf('day', new Date(clock!.now), 'Asia/Shanghai');
    const before = new Date(midnight.getTime() - 60_000);
    const after = new Date(midnight.getTime() + 60_000);
    // Two copies of a real finding, in a category of their own, one minute either side of Beijing midnight.
    for (const [when, category] of [
      [before, 'tz_test'],
      [after, 'tz_test'],
    ] as const) {
      await ctx.superuser(
        `INSERT INTO findings (draft_id, revision_id, check_id, category, severity, start_offset, end_offset, source, matched, rule_id, ruleset_version, message, created_at)
         SELECT draft_id, revision_id, check_id, $2, severity, start_offset, end_offset, source, matched, rule_id, ruleset_version, message, $3::timestamptz
         FROM findings WHERE draft_id = $1 LIMIT 1`,
        [draft.id, category, when.toISOString()],
      );
    }
    const res = await ctx.api('prop').get('/api/dashboards');
    expect(res.status).toBe(200);
    const days = (res.body.findingsByDay as Array<{ day: string; category: string; n: number }>).filter((r) => r.category === 'tz_test');
    expect(days).toEqual([
      { day: dayKey(before, 'Asia/Shanghai'), category: 'tz_test', n: 1 },
      { day: dayKey(after, 'Asia/Shanghai'), category: 'tz_test', n: 1 },
    ]);
    expect(days[0]!.day).not.toBe(days[1]!.day);
  });

  it('counts a release at 23:30 Beijing on the last of the month in that month, one at 00:30 on the 1st in the next', async () => {
    const [clock] = await ctx.superuser<{ now: Date }>('SELECT now() AS now');
    const monthStart = startOf('month', new Date(clock!.now), 'Asia/Shanghai');
    const before = new Date(monthStart.getTime() - 30 * 60_000);
    const after = new Date(monthStart.getTime() + 30 * 60_000);
    const releases = async () => {
      const res = await ctx.api('prop').get('/api/dashboards');
      expect(res.status).toBe(200);
      return (res.body.releases as Array<{ month: string; platform: string; n: number }>).filter((r) => r.platform === '学院公众号');
    };
    const was = await releases();
    // The rollup as the release trigger keeps it: one count in the UTC hour of each release.
    for (const at of [before, after]) {
      await ctx.superuser(
        `INSERT INTO dashboard_hourly AS h (hour, kind, key, n) VALUES (date_trunc('hour', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'release', $2, 1)
         ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + 1`,
        [at.toISOString(), ctx.people.platformId],
      );
    }
    const now = await releases();
    const n = (rows: typeof was, month: string) => rows.find((r) => r.month === month)?.n ?? 0;
    const [m1, m2] = [dayKey(before, 'Asia/Shanghai').slice(0, 7), dayKey(after, 'Asia/Shanghai').slice(0, 7)];
    expect(m1).not.toBe(m2);
    expect([n(now, m1) - n(was, m1), n(now, m2) - n(was, m2)]).toEqual([1, 1]);
  });

  it('numbers a draft submitted at 00:30 Beijing on 1 January in the new year, one at 23:59 on 31 December in the old', async () => {
    const db = ctx.runtime.deps.db;
    const submit = (at: string) =>
      db.transaction((tx) =>
        insertSubmission(tx, {
          draftId: randomUUID(),
          revisionId: randomUUID(),
          platformId: ctx.people.platformId,
          unitId: ctx.people.unitId,
          authorId: ctx.people.ids.editor!,
          major: false,
          content: { title: '跨年', body: '正文', format: 'markdown', origin: { kind: 'original' }, assets: [] },
          contentHash: 'x'.repeat(64),
          checkIds: ['sensitive'],
          timeZone: 'Asia/Shanghai',
          at: new Date(at),
        }),
      );
    expect((await submit('2030-12-31T16:30:00Z')).number).toMatch(/^2031-\d{6}$/);
    expect((await submit('2030-12-31T15:59:00Z')).number).toMatch(/^2030-\d{6}$/);
  });

  it('writes the HTML 审稿单’s times in TZ_REVIEW', async () => {
    const draft = await draftIn(ctx, 'second');
    // The 初审 decision at 00:30 Beijing on 2 January 2026, which is 16:30 on 1 January in UTC.
    const at = new Date('2026-01-01T16:30:00Z');
    await ctx.superuser('UPDATE decisions SET created_at = $2 WHERE draft_id = $1', [draft.id, at.toISOString()]);
    const fmt = (timeZone: string) => new Intl.DateTimeFormat('zh-CN', { timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(at);
    const sheetIn = async (timeZone: string) => {
      const app = createApp({ ...ctx.runtime.deps, timeZone, checkpoints: ctx.checkpoints, health: ctx.runtime.health });
      const res = await request(app).get(`/api/drafts/${draft.id}/review-sheet`).set('Authorization', `Bearer ${ctx.people.tokens.prop}`);
      expect(res.status).toBe(200);
      return res.text;
    };
    const beijing = await sheetIn('Asia/Shanghai');
    expect(beijing).toContain(fmt('Asia/Shanghai'));
    expect(beijing).not.toContain(fmt('UTC'));
    const utc = await sheetIn('UTC');
    expect(utc).toContain(fmt('UTC'));
    expect(utc).not.toContain(fmt('Asia/Shanghai'));
  });
});
