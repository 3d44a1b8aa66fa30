import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { REDIS_URL } from '../helpers/db-urls';
import { currentRevision, decide, draftIn } from '../helpers/draft-states';
import { startMailSink, startReceiver, type MailSink, type Receiver } from '../helpers/notify-receivers';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';
import { createSenders } from '../../src/services/notify/channels';
import { writeDigests, writeReminders } from '../../src/services/notify/sweep-notifications';
import { quietUntil } from '../../src/domain/notify';
import { REMINDER_QUIET_HOURS } from '../../config/notifications';
import { startNotifyWorker, type RunningNotifyWorker } from '../../workers/notify.worker';
import { completeChecks } from '../helpers/draft-states';

const ROOT = resolve(__dirname, '../..');
const SECRETS = { dingtalk: 'SECdingtalk-test-secret', webhook: 'webhook-test-secret-0123456789' };
const TZ = 'Asia/Shanghai';

let ctx: TestContext;
let mail: MailSink;
let receiver: Receiver;
let worker: RunningNotifyWorker | null = null;
const emailOf = (user: string) => `${user}@school.test`;

async function sql1<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await ctx.runtime.deps.db.execute(query)).rows as T[];
}

function startWorker(): RunningNotifyWorker {
  worker = startNotifyWorker(ctx.runtime, REDIS_URL, {
    prefix: ctx.prefix,
    concurrency: 4,
    maxAttempts: 6,
    backoffMs: 50,
    sweepIntervalMs: 60_000,
    leaseMs: 1_000,
    tz: TZ,
    senders: createSenders({
      smtpUrl: `smtp://127.0.0.1:${mail.port}`,
      mailFrom: 'sanshen <noreply@school.test>',
      publicUrl: 'https://review.school.test',
      allowHosts: ['127.0.0.1'],
      timeoutMs: 5_000,
    }),
  });
  return worker;
}

/** Waits until no delivery of the draft is owed (pending or sending). */
async function settled(draftId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql1<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.draft_id = ${draftId} AND d.status IN ('pending', 'sending')`,
    );
    if (row!.n === 0) return;
    if (Date.now() > deadline) {
      const owed = await sql1(
        sql`SELECT d.kind, d.status, d.attempts, d.last_error, d.not_before, n.event FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.draft_id = ${draftId}`,
      );
      throw new Error(`deliveries of ${draftId} still owed: ${JSON.stringify(owed)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function channel(body: Record<string, unknown>): Promise<string> {
  const res = await ctx.api('admin').post('/api/admin/notification-channels', body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function deleteAllChannels(): Promise<void> {
  const list = await ctx.api('admin').get('/api/admin/notification-channels');
  for (const c of list.body.items as Array<{ id: string }>) {
    const res = await (await import('supertest')).default(ctx.app).delete(`/api/admin/notification-channels/${c.id}`).set('Authorization', `Bearer ${ctx.people.tokens.admin}`);
    expect(res.status).toBe(200);
  }
}

/** Mails of one notification event of one draft, by the delivery ids PostgreSQL recorded for them. */
async function mailsFor(draftId: string, event: string, stageId?: string) {
  const ids = await sql1<{ id: string }>(
    sql`SELECT d.id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE n.draft_id = ${draftId} AND n.event = ${event} ${stageId ? sql`AND n.payload->>'stageId' = ${stageId}` : sql``}`,
  );
  const set = new Set(ids.map((i) => i.id));
  return mail.messages.filter((m) => set.has(m.delivery));
}

beforeAll(async () => {
  ctx = await createTestContext();
  mail = await startMailSink();
  receiver = await startReceiver(SECRETS);
  for (const user of ['editor', 'r1', 'r2', 'r3', 'multi', 'foreign', 'prop']) {
    const res = await ctx.api('admin').post('/api/admin/users/x/email', {});
    expect(res.status).toBe(404); // PUT only; the POST does not exist
    const put = await (
      await import('supertest')
    )
      .default(ctx.app)
      .put(`/api/admin/users/${ctx.people.ids[user]}/email`)
      .set('Authorization', `Bearer ${ctx.people.tokens.admin}`)
      .send({ email: emailOf(user) });
    expect(put.status).toBe(200);
  }
  startWorker();
  await worker!.worker.waitUntilReady();
});

afterAll(async () => {
  await worker?.close();
  await ctx.runtime.notifyQueue.queue.obliterate({ force: true }).catch(() => undefined);
  await ctx.close();
  await mail.close();
  await receiver.close();
});

beforeEach(async () => {
  await deleteAllChannels();
  receiver.reply = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.path.startsWith('/hook') ? '{"ok":true}' : '{"errcode":0,"errmsg":"ok"}');
  };
});

describe('who hears a draft entering 复审', () => {
  it('mails exactly the eligible 复审 reviewers (the unit’s, not the author, not one who acted at another stage) and posts to the unit’s channel once', async () => {
    await channel({ kind: 'dingtalk', name: '学院钉钉群', url: `${receiver.url('/ding')}?access_token=abc`, secret: SECRETS.dingtalk, unitId: ctx.people.unitId, events: ['review.waiting'] });
    await channel({ kind: 'webhook', name: '外院 OA', url: receiver.url('/hook-other'), secret: SECRETS.webhook, unitId: ctx.people.otherUnitId });
    const before = receiver.requests.length;
    // `multi` holds every reviewer role; approving 初审 makes them ineligible at 复审 (one person, one stage).
    const draft = await draftIn(ctx, 'second', { approvers: { first: 'multi' } });
    await settled(draft.id);

    const second = await mailsFor(draft.id, 'review.waiting', 'second');
    expect(second.flatMap((m) => m.to).sort()).toEqual([emailOf('r2')]);
    // 初审 waiting went to the unit's 初审 reviewers (r1, multi), never to the author or the other unit.
    const first = await mailsFor(draft.id, 'review.waiting', 'first');
    expect(first.flatMap((m) => m.to).sort()).toEqual([emailOf('multi'), emailOf('r1')].sort());
    for (const m of [...first, ...second]) {
      expect(m.subject).toContain('我校举办2026年秋季运动会');
      expect(m.text).not.toContain('东区体育场'); // never the body
      expect(m.text).toContain(`https://review.school.test/#/drafts/${draft.id}`);
    }

    const posts = receiver.requests.slice(before).filter((r) => r.path === '/ding');
    // One post per stage entered (初审, 复审), each verified by the receiver's 钉钉 sign check.
    expect(posts).toHaveLength(2);
    expect(posts.every((p) => p.verified)).toBe(true);
    const texts = posts.map((p) => JSON.parse(p.body).markdown.text as string);
    expect(texts.filter((t) => t.includes('复审'))).toHaveLength(1);
    expect(texts.join('')).not.toContain('东区体育场');
    expect(receiver.requests.slice(before).filter((r) => r.path === '/hook-other')).toHaveLength(0);

    // The bell: r2's inbox has it, the author's does not.
    const inbox = await ctx.api('r2').get('/api/notifications');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.some((i: { draftId: string; event: string }) => i.draftId === draft.id && i.event === 'review.waiting')).toBe(true);
    const mine = await ctx.api('editor').get('/api/notifications');
    expect(mine.body.items.some((i: { draftId: string; event: string }) => i.draftId === draft.id && i.event === 'review.waiting')).toBe(false);

    // Admins see every delivery of the draft with its status and attempts.
    const listed = await ctx.api('admin').get(`/api/admin/notifications?draftId=${draft.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.length).toBeGreaterThanOrEqual(5);
    expect(listed.body.items.every((d: { status: string; attempts: number }) => d.status === 'sent' && d.attempts === 1)).toBe(true);
  });

  it('tells the editor of a return with the reasons, and keeps the title of a 密级 draft out of every payload', async () => {
    await channel({ kind: 'webhook', name: '校 OA', url: receiver.url('/hook'), secret: SECRETS.webhook });
    const before = receiver.requests.length;
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '关于机密事项的通报', body: '本文含机密文件内容，请勿外传。' }));
    expect(res.status).toBe(201);
    await completeChecks(ctx, res.body.id);
    await settled(res.body.id);
    expect((await currentRevision(ctx, res.body.id)).status).toBe('returned');
    const returned = await mailsFor(res.body.id, 'draft.returned');
    expect(returned.flatMap((m) => m.to)).toEqual([emailOf('editor')]);
    expect(returned[0]!.subject).not.toContain('机密事项');
    expect(returned[0]!.text).not.toContain('机密事项');
    // Reasons of a 密级 draft stay in the app (a comment may quote the secret); the bell has them.
    expect(returned[0]!.text).not.toContain('意见');
    const bell = await ctx.api('editor').get('/api/notifications');
    expect(bell.body.items.find((i: { draftId: string }) => i.draftId === res.body.id).payload.reasons).toMatch(/机审发现 \d+ 个阻断性问题/);
    const posts = receiver.requests.slice(before).filter((r) => r.path === '/hook');
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) {
      expect(p.verified).toBe(true);
      expect(JSON.parse(p.body).title).toBeNull();
      expect(p.body).not.toContain('机密');
    }

    // A reviewer's return carries the comment to the editor.
    const draft = await draftIn(ctx, 'first');
    await decide(ctx, 'r1', draft.id, 'first', 'return');
    await settled(draft.id);
    const back = await mailsFor(draft.id, 'draft.returned');
    expect(back.flatMap((m) => m.to)).toEqual([emailOf('editor')]);
    expect(back[0]!.text).toContain('意见：请修改');
  });
});

describe('delivery', () => {
  it('a channel answering 500 three times, then 200, gets exactly one delivery, with one id and a valid signature each time', async () => {
    let calls = 0;
    receiver.reply = (_req, res) => {
      calls++;
      res.writeHead(calls <= 3 ? 500 : 200, { 'content-type': 'application/json' }).end(calls <= 3 ? '{"error":"down"}' : '{"ok":true}');
    };
    await channel({ kind: 'webhook', name: 'flaky OA', url: receiver.url('/hook-flaky'), secret: SECRETS.webhook, unitId: ctx.people.unitId, events: ['draft.approved'] });
    const before = receiver.requests.length;
    const draft = await draftIn(ctx, 'approved');
    await settled(draft.id, 30_000);
    const posts = receiver.requests.slice(before).filter((r) => r.path === '/hook-flaky');
    expect(posts).toHaveLength(4);
    expect(posts.every((p) => p.verified)).toBe(true);
    expect(new Set(posts.map((p) => p.headers['x-sanshen-delivery'])).size).toBe(1);
    const [row] = await sql1<{ status: string; attempts: number; last_error: string }>(
      sql`SELECT status, attempts, last_error FROM notification_deliveries WHERE id = ${String(posts[0]!.headers['x-sanshen-delivery'])}`,
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 4 });
    expect(row!.last_error).toContain('HTTP 500');
  });

  it('a channel that is down is failed visibly after its attempts, retryable by an admin, and never holds up the transition', async () => {
    const held: Array<() => void> = [];
    receiver.reply = (_req, res) => {
      // Hangs until the test lets go: the decision must have answered long before.
      held.push(() => res.writeHead(503).end('down'));
    };
    const id = await channel({ kind: 'wecom', name: '企业微信群', url: receiver.url('/wecom'), unitId: ctx.people.unitId, events: ['review.waiting'] });
    const draft = await draftIn(ctx, 'first');
    // The robot is holding the post about 初审 unanswered…
    while (held.length === 0) await new Promise((r) => setTimeout(r, 20));
    const { version } = await currentRevision(ctx, draft.id);
    const decided = await ctx.api('r1').post(`/api/drafts/${draft.id}/decisions`, { stage: 'first', action: 'approve', comment: '同意', version });
    // …and the decision commits and answers all the same.
    expect(decided.status).toBe(200);
    expect(held.length).toBeGreaterThanOrEqual(1);
    receiver.reply = (_req, res) => res.writeHead(503).end('down');
    for (const release of held.splice(0)) release();
    await settled(draft.id, 30_000);
    const listed = await ctx.api('admin').get(`/api/admin/notifications?draftId=${draft.id}`);
    const failed = (listed.body.items as Array<{ id: string; channelId: string; status: string; attempts: number; lastError: string }>).filter((d) => d.channelId === id);
    expect(failed.length).toBeGreaterThan(0);
    for (const d of failed) {
      expect(d.status).toBe('failed');
      expect(d.attempts).toBe(6);
      expect(d.lastError).toMatch(/HTTP 503/);
    }
    receiver.reply = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    const retried = await ctx.api('admin').post(`/api/admin/notifications/${failed[0]!.id}/retry`);
    expect(retried.status).toBe(200);
    await settled(draft.id);
    const after = await ctx.api('admin').get(`/api/admin/notifications?draftId=${draft.id}`);
    expect(after.body.items.find((d: { id: string }) => d.id === failed[0]!.id).status).toBe('sent');
    const again = await ctx.api('admin').post(`/api/admin/notifications/${failed[0]!.id}/retry`);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('validation_failed');
    const trail = await sql1<{ type: string }>(sql`SELECT type FROM audit_events WHERE chain = 'security' AND type LIKE 'admin.notification%'`);
    expect(trail.map((t) => t.type)).toEqual(expect.arrayContaining(['admin.notification_channel_created', 'admin.notification_channel_deleted', 'admin.notification_retried']));
  });

  it('never follows a redirect: a 302 to another host is a failed attempt and the other host hears nothing', async () => {
    const elsewhere = await startReceiver(SECRETS);
    try {
      receiver.reply = (_req, res) => res.writeHead(302, { location: elsewhere.url('/hook-stolen') }).end();
      await channel({ kind: 'webhook', name: 'OA', url: receiver.url('/hook-moved'), secret: SECRETS.webhook, unitId: ctx.people.unitId, events: ['draft.approved'] });
      const draft = await draftIn(ctx, 'approved');
      await settled(draft.id, 30_000);
      const rows = await sql1<{ status: string; last_error: string }>(
        sql`SELECT d.status, d.last_error FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.draft_id = ${draft.id} AND d.kind = 'webhook'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe('failed');
      expect(rows[0]!.last_error).toContain('重定向');
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('a worker killed after sending and before recording it neither loses nor duplicates the delivery', async () => {
    await worker!.close();
    worker = null;
    await channel({ kind: 'webhook', name: 'OA', url: receiver.url('/hook-crash'), secret: SECRETS.webhook, unitId: ctx.people.unitId, events: ['draft.approved'] });
    let child: ChildProcess | null = null;
    const spawnWorker = () =>
      spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers/notify.worker.ts')], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: ctx.databaseUrl,
          REDIS_URL,
          QUEUE_PREFIX: ctx.prefix,
          SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
          NOTIFY_ALLOW_HOSTS: '127.0.0.1',
          NOTIFY_LEASE_MS: '1000',
          NOTIFY_SWEEP_MS: '300',
          NOTIFY_BACKOFF_MS: '50',
          LOG_LEVEL: 'silent',
        },
      });
    let killed!: () => void;
    const wasKilled = new Promise<void>((r) => (killed = r));
    receiver.reply = (req, res) => {
      const id = String(req.headers['x-sanshen-delivery']);
      if (receiver.processed.has(id)) {
        // The receiver's side of exactly-once: a repeat of a delivery it already took is acknowledged, not redone.
        res.writeHead(200).end('{"duplicate":true}');
        return;
      }
      receiver.processed.add(id);
      // Received and processed — and the worker dies before it hears the answer and records "sent".
      child!.kill('SIGKILL');
      child!.once('exit', () => {
        res.destroy();
        killed();
      });
    };
    child = spawnWorker();
    const before = receiver.requests.length;
    const draft = await draftIn(ctx, 'approved');
    await wasKilled;
    const [stuck] = await sql1<{ status: string }>(
      sql`SELECT d.status FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.draft_id = ${draft.id} AND d.kind = 'webhook'`,
    );
    expect(stuck!.status).toBe('sending');
    child = spawnWorker();
    try {
      await settled(draft.id, 30_000);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    const posts = receiver.requests.slice(before).filter((r) => r.path === '/hook-crash');
    expect(posts).toHaveLength(2);
    expect(new Set(posts.map((p) => p.headers['x-sanshen-delivery'])).size).toBe(1);
    expect(receiver.processed.has(String(posts[0]!.headers['x-sanshen-delivery']))).toBe(true);
    const [row] = await sql1<{ status: string; attempts: number }>(sql`SELECT status, attempts FROM notification_deliveries WHERE id = ${String(posts[0]!.headers['x-sanshen-delivery'])}`);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    startWorker();
    await worker!.worker.waitUntilReady();
  });
});

describe('outbox and transaction', () => {
  it('a transition that rolls back after its notifications were written notifies no one', async () => {
    await channel({ kind: 'webhook', name: 'OA', url: receiver.url('/hook-rollback'), secret: SECRETS.webhook });
    const draft = await draftIn(ctx, 'first');
    const count = async () =>
      (
        await sql1<{ n: number; i: number; d: number }>(sql`SELECT (SELECT count(*)::int FROM notifications WHERE draft_id = ${draft.id}) AS n,
        (SELECT count(*)::int FROM notification_inbox i JOIN notifications x ON x.id = i.notification_id WHERE x.draft_id = ${draft.id}) AS i,
        (SELECT count(*)::int FROM notification_deliveries d JOIN notifications x ON x.id = d.notification_id WHERE x.draft_id = ${draft.id}) AS d`)
      )[0]!;
    await settled(draft.id);
    const before = await count();
    const mails = mail.messages.length;
    const posts = receiver.requests.length;
    // A deferred constraint trigger fails the COMMIT itself: every row of the transaction, notifications included,
    // was written and is then rolled back.
    await ctx.superuser(`CREATE FUNCTION fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused'; END $$`);
    await ctx.superuser(
      `CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT ON notifications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.draft_id = '${draft.id}') EXECUTE FUNCTION fail_commit()`,
    );
    try {
      const { version } = await currentRevision(ctx, draft.id);
      const res = await ctx.api('r1').post(`/api/drafts/${draft.id}/decisions`, { stage: 'first', action: 'approve', comment: '同意', version });
      expect(res.status).toBe(500);
    } finally {
      await ctx.superuser('DROP TRIGGER fail_commit ON notifications');
      await ctx.superuser('DROP FUNCTION fail_commit()');
    }
    await worker!.sweepNow();
    await new Promise((r) => setTimeout(r, 300));
    expect(await count()).toEqual(before);
    expect((await currentRevision(ctx, draft.id)).stage).toBe('first');
    expect(mail.messages.length).toBe(mails);
    expect(receiver.requests.length).toBe(posts);
  });
});

describe('催办', () => {
  /** The first instant at or after `from` (by the hour) outside the reminder quiet hours. */
  const daytime = (from: Date) => {
    let t = from;
    while (quietUntil(t, TZ, REMINDER_QUIET_HOURS)) t = new Date(t.getTime() + 3_600_000);
    return t;
  };

  it('an SLA breach reminds the stage’s reviewers once per period, the unit’s 宣传 lead from the second, never at night', async () => {
    const draft = await draftIn(ctx, 'second', { approvers: { first: 'r1' } });
    const [row] = await sql1<{ entered: Date }>(sql`SELECT stage_entered_at AS entered FROM drafts WHERE id = ${draft.id}`);
    const entered = new Date(row!.entered).getTime();
    const reminders = async () =>
      sql1<{ period: string; users: string[] }>(
        sql`SELECT n.payload->>'period' AS period, array_agg(i.user_id::text ORDER BY i.user_id) AS users FROM notifications n JOIN notification_inbox i ON i.notification_id = n.id
            WHERE n.draft_id = ${draft.id} AND n.event = 'review.reminder' GROUP BY n.id, n.payload ORDER BY period`,
      );
    const deps = ctx.runtime.deps;
    // Within the SLA: nothing.
    await writeReminders(deps, new Date(entered + 23 * 3_600_000), { tz: TZ });
    expect(await reminders()).toHaveLength(0);
    // At night in TZ_REVIEW, past the SLA: still nothing.
    let night = new Date(entered + 25 * 3_600_000);
    while (!quietUntil(night, TZ, REMINDER_QUIET_HOURS)) night = new Date(night.getTime() + 3_600_000);
    if (night.getTime() - entered < 48 * 3_600_000) {
      await writeReminders(deps, night, { tz: TZ });
      expect(await reminders()).toHaveLength(0);
    }
    const firstPeriod = daytime(new Date(entered + 25 * 3_600_000));
    expect(firstPeriod.getTime() - entered).toBeLessThan(48 * 3_600_000);
    await writeReminders(deps, firstPeriod, { tz: TZ });
    await writeReminders(deps, new Date(firstPeriod.getTime() + 60_000), { tz: TZ });
    const once = await reminders();
    expect(once).toHaveLength(1);
    // 复审's eligible reviewers: r2 and multi (r1 acted at 初审), not the author.
    expect(once[0]!.users.sort()).toEqual([ctx.people.ids.r2!, ctx.people.ids.multi!].sort());
    const secondPeriod = daytime(new Date(entered + 49 * 3_600_000));
    await writeReminders(deps, secondPeriod, { tz: TZ });
    await writeReminders(deps, new Date(secondPeriod.getTime() + 3_600_000 > entered + 72 * 3_600_000 ? secondPeriod.getTime() : secondPeriod.getTime() + 3_600_000), { tz: TZ });
    const twice = await reminders();
    expect(twice).toHaveLength(2);
    expect(twice[1]!.users).toEqual(expect.arrayContaining([ctx.people.ids.r2!, ctx.people.ids.multi!, ctx.people.ids.prop!]));
    await settled(draft.id);
    const mailed = await mailsFor(draft.id, 'review.reminder');
    expect(mailed.filter((m) => m.to.includes(emailOf('r2')))).toHaveLength(2);
  });
});

describe('preferences, inbox and validation', () => {
  it('reads and saves preferences; digest replaces per-event mail; mark-read counts down, only one’s own', async () => {
    const prefs = await ctx.api('r3').get('/api/me/notification-preferences');
    expect(prefs.body).toMatchObject({ email: true, digest: false, quietHours: null, address: emailOf('r3') });
    const supertest = (await import('supertest')).default;
    const put = (body: object) => supertest(ctx.app).put('/api/me/notification-preferences').set('Authorization', `Bearer ${ctx.people.tokens.r3}`).send(body);
    expect((await put({ email: true, digest: true, quietHours: { start: '25:00', end: '07:00' } })).body.error.code).toBe('validation_failed');
    expect((await put({ email: true, digest: true, quietHours: null })).status).toBe(200);
    const draft = await draftIn(ctx, 'final');
    await settled(draft.id);
    // r3 chose the digest: the bell, no per-event mail.
    expect((await mailsFor(draft.id, 'review.waiting', 'final')).filter((m) => m.to.includes(emailOf('r3')))).toHaveLength(0);
    const inbox = await ctx.api('r3').get('/api/notifications');
    const unread = inbox.body.unread as number;
    expect(unread).toBeGreaterThan(0);
    const item = inbox.body.items.find((i: { draftId: string }) => i.draftId === draft.id);
    expect(item.payload.link).toBe(`/#/drafts/${draft.id}`);
    const read = await ctx.api('r3').post('/api/notifications/read', { ids: [item.id] });
    expect(read.body).toMatchObject({ marked: 1, unread: unread - 1 });
    expect((await ctx.api('r3').get('/api/notifications/unread-count')).body.unread).toBe(unread - 1);
    // Someone else's notification id marks nothing.
    expect((await ctx.api('r2').post('/api/notifications/read', { ids: [item.id] })).body.marked).toBe(0);
  });

  it('quiet hours defer a person’s e-mail (not counted as an attempt) until they end; the daily digest goes once a day', async () => {
    const supertest = (await import('supertest')).default;
    // r1's quiet hours cover the whole day but one minute: any delivery now is deferred.
    const prefs = await supertest(ctx.app)
      .put('/api/me/notification-preferences')
      .set('Authorization', `Bearer ${ctx.people.tokens.r1}`)
      .send({ email: true, digest: false, quietHours: { start: '00:00', end: '23:59' } });
    expect(prefs.status).toBe(200);
    const draft = await draftIn(ctx, 'first');
    const deferred = async () =>
      sql1<{ id: string; status: string; attempts: number; later: boolean }>(
        sql`SELECT d.id, d.status, d.attempts, d.not_before > now() AS later FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE n.draft_id = ${draft.id} AND d.user_id = ${ctx.people.ids.r1}`,
      );
    const deadline = Date.now() + 10_000;
    let rows = await deferred();
    while (!(rows[0]?.status === 'pending' && rows[0].later) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await deferred();
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'pending', attempts: 0, later: true });
    expect((await mailsFor(draft.id, 'review.waiting', 'first')).flatMap((m) => m.to)).not.toContain(emailOf('r1'));
    // The quiet hours end (here: r1 clears them and the deferral comes due); the sweeper delivers what is owed.
    await supertest(ctx.app).put('/api/me/notification-preferences').set('Authorization', `Bearer ${ctx.people.tokens.r1}`).send({ email: true, digest: false, quietHours: null });
    await ctx.superuser(`UPDATE notification_deliveries SET not_before = now() - interval '10 seconds' WHERE id = $1`, [rows[0]!.id]);
    await worker!.sweepNow();
    await settled(draft.id);
    expect((await mailsFor(draft.id, 'review.waiting', 'first')).flatMap((m) => m.to)).toContain(emailOf('r1'));

    // r3 chooses the digest: one e-mail after 08:00 local listing the day's notifications, once.
    await supertest(ctx.app).put('/api/me/notification-preferences').set('Authorization', `Bearer ${ctx.people.tokens.r3}`).send({ email: true, digest: true, quietHours: null });
    await settled((await draftIn(ctx, 'final')).id);
    const morning = new Date('2026-12-05T01:30:00Z'); // 09:30 in Asia/Shanghai
    const early = new Date('2026-12-04T23:30:00Z'); // 07:30
    // The inbox rows are dated to the digest's day (the app role may not rewrite them; the superuser may).
    await ctx.superuser(`UPDATE notification_inbox SET created_at = $1 WHERE user_id = $2`, [new Date(morning.getTime() - 3_600_000).toISOString(), ctx.people.ids.r3]);
    expect(await writeDigests(ctx.runtime.deps, early, TZ)).toBe(0);
    expect(await writeDigests(ctx.runtime.deps, morning, TZ)).toBe(1);
    expect(await writeDigests(ctx.runtime.deps, new Date(morning.getTime() + 3_600_000), TZ)).toBe(0);
    const deadline2 = Date.now() + 10_000;
    let digest = mail.messages.filter((m) => m.event === 'digest.daily');
    while (digest.length === 0 && Date.now() < deadline2) {
      await new Promise((r) => setTimeout(r, 50));
      digest = mail.messages.filter((m) => m.event === 'digest.daily');
    }
    expect(digest).toHaveLength(1);
    expect(digest[0]!.to).toEqual([emailOf('r3')]);
    expect(digest[0]!.text).toContain('2026-');
  });

  it('refuses channel URLs that are not https (outside NOTIFY_ALLOW_HOSTS), webhooks without a secret, and never returns secrets', async () => {
    const bad = [
      { kind: 'webhook', name: 'x', url: 'http://oa.school.test/hook', secret: 's' },
      { kind: 'webhook', name: 'x', url: 'https://oa.school.test/hook' },
      { kind: 'dingtalk', name: 'x', url: 'ftp://127.0.0.1/x' },
      { kind: 'email', name: 'x', url: 'list@school.test' },
      { kind: 'wecom', name: 'x', url: 'https://user:pw@qyapi.weixin.qq.com/x' },
      { kind: 'sms', name: 'x', url: 'https://x.test' },
    ];
    for (const body of bad) {
      const res = await ctx.api('admin').post('/api/admin/notification-channels', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const ok = await ctx.api('admin').post('/api/admin/notification-channels', { kind: 'email', name: '宣传部邮件组', url: 'mailto:xcb@school.test' });
    expect(ok.status).toBe(201);
    const hook = await ctx.api('admin').post('/api/admin/notification-channels', { kind: 'webhook', name: 'OA', url: 'https://oa.school.test/hook', secret: 'top-secret' });
    expect(hook.body.hasSecret).toBe(true);
    expect(JSON.stringify(hook.body)).not.toContain('top-secret');
    const listed = await ctx.api('admin').get('/api/admin/notification-channels');
    expect(JSON.stringify(listed.body)).not.toContain('top-secret');
    const robot = await ctx.api('admin').post('/api/admin/notification-channels', { kind: 'wecom', name: '群', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-123' });
    expect(robot.status).toBe(201);
    const trail = await sql1<{ data: unknown }>(sql`SELECT data FROM audit_events WHERE type = 'admin.notification_channel_created'`);
    expect(JSON.stringify(trail)).not.toContain('top-secret');
    // A robot's key rides in its URL: the trail keeps the URL without it.
    expect(JSON.stringify(trail)).not.toContain('robot-key-123');
    expect(JSON.stringify(trail)).toContain('qyapi.weixin.qq.com');
    expect((await ctx.api('r1').get('/api/admin/notification-channels')).status).toBe(403);
    expect((await ctx.api('r1').get('/api/admin/notifications')).status).toBe(403);
  });
});

describe('SMTP with STARTTLS', () => {
  it('upgrades the connection when the server offers STARTTLS', async () => {
    const tlsSink = await startMailSink({ starttls: true });
    try {
      const senders = createSenders({
        smtpUrl: `smtp://127.0.0.1:${tlsSink.port}?tls_insecure=1`,
        mailFrom: 'sanshen <noreply@school.test>',
        publicUrl: 'https://x.test',
        allowHosts: [],
        timeoutMs: 5_000,
      });
      await senders.send(
        { kind: 'email', to: 'a@school.test' },
        {
          deliveryId: '00000000-0000-4000-8000-000000000001',
          event: 'draft.approved',
          payload: { label: '稿件审核通过', number: 'X-1', title: 't', unit: 'u', link: '/#/' },
          createdAt: new Date(),
          forPerson: true,
        },
      );
      senders.close();
      expect(tlsSink.messages).toHaveLength(1);
      expect(tlsSink.messages[0]!.secure).toBe(true);
    } finally {
      await tlsSink.close();
    }
  });
});
