/**
 * issue 10, the guards as an attacker tests them: CSRF and non-JSON bodies (9), cookie tossing (10), user enumeration
 * (11), proxy headers (12), refused sign-ins and queue actions on the security chain (13), one clock for sessions
 * (15); and the people rules: 工号 unique and separation of duties by person (4), admins managing people (8).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/http/app';
import { createSocketServer, type SocketServer } from '../../src/realtime/socket-server';
import { createUser } from '../../src/services/admin.service';
import { draftIn } from '../helpers/draft-states';
import { createTestContext, PASSWORD, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'r2', 'r3', 'prop', 'admin', 'auditor'] });
});
afterAll(async () => {
  await ctx?.close();
});

/** A fresh app (its own login rate limiter) over the test database. */
const freshApp = (over: Partial<AppDeps> = {}) => createApp({ ...ctx.runtime.deps, checkpoints: ctx.checkpoints, health: ctx.runtime.health, ...over });
const bearer = (user: string) => `Bearer ${ctx.people.tokens[user]}`;
const securityEvents = (type: string) =>
  ctx.superuser<{ actor_name: string; data: Record<string, unknown>; outcome: string }>(`SELECT actor_name, data, outcome FROM audit_events WHERE chain = 'security' AND type = $1 ORDER BY seq`, [
    type,
  ]);
const loginCookie = async (app: ReturnType<typeof freshApp>, username: string, password = PASSWORD) => {
  const res = await request(app).post('/api/auth/login').send({ username, password });
  expect(res.status).toBe(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => /^(__Host-)?sanshen_sid=/.test(c))!;
  return { cookie: cookie.split(';')[0]!, token: res.body.token as string };
};

describe('9 · CSRF and non-JSON bodies', () => {
  it('refuses a cookie-authenticated state change from another origin or a same-site page, and audits it', async () => {
    const app = freshApp();
    const { cookie } = await loginCookie(app, 'editor');
    const body = { platformId: ctx.people.platformId, title: '跨站提交', body: '正文', format: 'markdown' };
    const before = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM drafts');
    for (const headers of [{ Origin: 'https://news.xxx.edu.cn' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'same-site' }, { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }]) {
      const res = await request(app).post('/api/drafts').set('Cookie', cookie).set(headers).send(body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect(await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM drafts')).toEqual(before);
    const refused = await securityEvents('security.cross_site_refused');
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(refused.some((e) => e.data.origin === 'https://news.xxx.edu.cn' && e.actor_name.includes('editor') && e.outcome === 'denied')).toBe(true);
    // The app's own pages still work: same Origin as the Host, or Sec-Fetch-Site same-origin.
    const own = await request(app)
      .post('/api/drafts')
      .set('Cookie', cookie)
      .set('Host', 'review.xxx.edu.cn')
      .set('Origin', 'https://review.xxx.edu.cn')
      .set('Sec-Fetch-Site', 'same-origin')
      .send(body);
    expect(own.status).toBe(201);
  });

  it('refuses cross-site sign-in (login CSRF) too, while bearer clients are never a browser on its own', async () => {
    const app = freshApp();
    const res = await request(app).post('/api/auth/login').set('Origin', 'https://evil.example').send({ username: 'editor', password: PASSWORD });
    expect(res.status).toBe(403);
    const api = await request(app).post('/api/drafts').set('Authorization', bearer('editor')).set('Origin', 'https://tool.example').send({});
    expect(api.status).toBe(400);
  });

  it('answers 415 to a text/plain or form body on every JSON route instead of acting on {}', async () => {
    const app = freshApp();
    const { cookie } = await loginCookie(app, 'r1');
    const draft = await draftIn(ctx, 'first');
    const claims: Array<[string, string]> = [
      [`/api/drafts/${draft.id}/decisions`, 'text/plain'],
      ['/api/drafts', 'application/x-www-form-urlencoded'],
      ['/api/auth/logout', 'text/plain'],
      [`/api/drafts/${draft.id}/release`, 'multipart/form-data; boundary=x'],
    ];
    for (const [path, type] of claims) {
      const res = await request(app)
        .post(path)
        .set('Cookie', cookie)
        .set('Content-Type', type)
        .send(JSON.stringify({ stage: 'first', action: 'approve', comment: '', version: 1 }));
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 415, code: 'unsupported_media_type' });
    }
    // Still signed in (the text/plain logout did nothing), and the draft is still at 初审.
    expect((await request(app).get('/api/auth/me').set('Cookie', cookie)).status).toBe(200);
    expect((await request(app).get(`/api/drafts/${draft.id}`).set('Cookie', cookie)).body.stage).toBe('first');
    // With a bearer token too: the rule is about the body, not the credential.
    const res = await request(app).post('/api/drafts').set('Authorization', bearer('editor')).set('Content-Type', 'text/plain').send('{}');
    expect(res.status).toBe(415);
  });
});

describe('10 · cookie tossing', () => {
  it('refuses a request carrying two session cookies, and clears the tossed one', async () => {
    const app = freshApp();
    const victim = await loginCookie(app, 'editor');
    const attacker = await loginCookie(app, 'r2');
    const res = await request(app).get('/api/drafts').set('Cookie', `${attacker.cookie}; ${victim.cookie}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('duplicate_session_cookie');
    const cleared = (res.headers['set-cookie'] as unknown as string[]).filter((c) => /Expires=Thu, 01 Jan 1970/.test(c));
    expect(cleared.some((c) => /Path=\/api\/drafts(;|$)/.test(c))).toBe(true);
    expect(cleared.some((c) => /Path=\/;/.test(c))).toBe(true);
  });

  it('uses a __Host- cookie when secure and ignores a plain one there', async () => {
    const app = freshApp({ secureCookies: true });
    const { cookie, token } = await loginCookie(app, 'editor');
    expect(cookie.startsWith('__Host-sanshen_sid=')).toBe(true);
    expect((await request(app).get('/api/auth/me').set('Cookie', cookie)).status).toBe(200);
    // A same-site server can set `sanshen_sid` (no __Host- rules) but that name is not the session cookie here.
    expect((await request(app).get('/api/auth/me').set('Cookie', `sanshen_sid=${token}`)).status).toBe(401);
    const both = await request(app).get('/api/auth/me').set('Cookie', `sanshen_sid=${token}; ${cookie}`);
    expect(both.status).toBe(400);
  });
});

describe('11 · user enumeration', () => {
  const sequence = async (app: ReturnType<typeof freshApp>, username: string, n = 7) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await request(app).post('/api/auth/login').send({ username, password: 'Wrong-Pass-1!' })).status);
    return out;
  };

  it('an unknown and a disabled account answer like a real one: 401×4, then 423', async () => {
    const db = ctx.runtime.deps.db;
    await createUser(db, null, { username: 'real11', displayName: '真', isStaff: true, roles: [], password: PASSWORD });
    await createUser(db, null, { username: 'gone11', displayName: '停', isStaff: true, roles: [], password: PASSWORD });
    await ctx.superuser("UPDATE users SET disabled = true WHERE username = 'gone11'");
    const expected = [401, 401, 401, 401, 423, 423, 423];
    expect(await sequence(freshApp(), 'real11')).toEqual(expected);
    expect(await sequence(freshApp(), 'nobody11')).toEqual(expected);
    expect(await sequence(freshApp(), 'gone11')).toEqual(expected);
    // The bodies match too (code, message; details of a lock have the same keys).
    const a = await request(freshApp()).post('/api/auth/login').send({ username: 'real11', password: 'x' });
    const b = await request(freshApp()).post('/api/auth/login').send({ username: 'nobody11', password: 'x' });
    expect({ code: b.body.error.code, message: b.body.error.message, keys: Object.keys(b.body.error.details ?? {}) }).toEqual({
      code: a.body.error.code,
      message: a.body.error.message,
      keys: Object.keys(a.body.error.details ?? {}),
    });
    // A disabled account with its right password is still refused, the way a wrong password is.
    await ctx.superuser("UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE username = 'gone11'");
    expect((await request(freshApp()).post('/api/auth/login').send({ username: 'gone11', password: PASSWORD })).status).toBe(401);
  });

  it('prints how long each kind of refusal takes (measured, not asserted)', async () => {
    const time = async (username: string, password: string) => {
      const app = freshApp();
      const started = process.hrtime.bigint();
      for (let i = 0; i < 3; i++) await request(app).post('/api/auth/login').send({ username, password });
      return Number(process.hrtime.bigint() - started) / 3e6;
    };
    await ctx.superuser("UPDATE users SET locked_until = now() + interval '1 hour' WHERE username = 'real11'");
    await createUser(ctx.runtime.deps.db, null, { username: 'timed11', displayName: '计时', isStaff: true, roles: [], password: PASSWORD });
    const rows = { wrongPassword: await time('timed11', 'Wrong-1!'), unknownUser: await time(`nobody-${Date.now()}`, 'Wrong-1!'), lockedAccount: await time('real11', PASSWORD) };
    process.stdout.write(`sign-in refusal times (ms, mean of 3): ${JSON.stringify(rows)}\n`);
    expect(Object.values(rows).every((v) => v > 0)).toBe(true);
  });
});

describe('12 · proxy headers are not trusted by default', () => {
  it('X-Forwarded-For can neither rotate past the per-address limit nor forge the audited address', async () => {
    const app = freshApp();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      statuses.push(
        (
          await request(app)
            .post('/api/auth/login')
            .set('X-Forwarded-For', `198.51.100.${i}`)
            .send({ username: `spray12-${i}`, password: 'wrong' })
        ).status,
      );
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    const ips = await ctx.superuser<{ ip: string }>("SELECT data->>'ip' AS ip FROM audit_events WHERE chain = 'security' AND actor_name LIKE 'spray12-%'");
    expect(ips.length).toBe(21);
    expect(ips.every((r) => !r.ip.includes('198.51.100'))).toBe(true);
  });
});

describe('13 · refused sign-ins and queue actions on the security chain', () => {
  it('records every 429 sign-in refusal', async () => {
    const app = freshApp();
    for (let i = 0; i < 23; i++)
      await request(app)
        .post('/api/auth/login')
        .send({ username: `flood13-${i}`, password: 'wrong' });
    const refused = (await securityEvents('auth.login_refused')).filter((e) => String(e.actor_name).startsWith('flood13-'));
    expect(refused.length).toBe(3);
    expect(refused.every((e) => e.data.reason === 'rate_limited' && e.outcome === 'denied')).toBe(true);
  });

  it('records a bull-board pause and resume before carrying them out', async () => {
    const queue = ctx.runtime.queue.queue;
    const app = freshApp({ queues: [queue] });
    const path = `/admin/queues/api/queues/${encodeURIComponent(queue.name)}`;
    const pause = await request(app).put(`${path}/pause`).set('Authorization', bearer('admin'));
    expect(pause.status).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(true);
    const resume = await request(app).put(`${path}/resume`).set('Authorization', bearer('admin'));
    expect(resume.status).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(false);
    const events = await securityEvents('admin.queue_action');
    expect(events.map((e) => [e.data.queue, e.data.action])).toEqual(
      expect.arrayContaining([
        [queue.name, 'pause'],
        [queue.name, 'resume'],
      ]),
    );
    // Not an admin: refused (and audited as a denial), the queue untouched.
    expect((await request(app).put(`${path}/pause`).set('Authorization', bearer('auditor'))).status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
  });
});

describe('15 · one clock for sessions', () => {
  afterEach(() => jest.useRealTimers());

  it('a session opened by an app host whose clock is a day behind still lasts its 12 hours on the database clock', async () => {
    jest.useFakeTimers({
      now: Date.now() - 24 * 3_600_000,
      doNotFake: ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'],
    });
    const app = freshApp();
    const res = await request(app).post('/api/auth/login').send({ username: 'auditor', password: PASSWORD });
    expect(res.status).toBe(200);
    jest.useRealTimers();
    expect((await request(app).get('/api/auth/me').set('Authorization', `Bearer ${res.body.token}`)).status).toBe(200);
    const [row] = await ctx.superuser<{ hours: number }>('SELECT round(extract(epoch FROM expires_at - now()) / 3600)::int AS hours FROM sessions ORDER BY created_at DESC LIMIT 1');
    expect(row?.hours).toBe(12);
    expect(Math.abs(new Date(res.body.expiresAt).getTime() - (Date.now() + 12 * 3_600_000))).toBeLessThan(60_000);
  });
});

describe('4 · 工号 is one person', () => {
  const admin = () => request(ctx.app);

  it('refuses a second account with a 工号 already in use (409), also by case and spaces, on create and update', async () => {
    const make = (username: string, staffId: string) =>
      admin()
        .post('/api/admin/users')
        .set('Authorization', bearer('admin'))
        .send({ username, displayName: '李初审', staffId, unitId: ctx.people.unitId, isStaff: true, roles: ['reviewer2'], password: PASSWORD });
    for (const staffId of ['S-r1', ' s-R1 ']) {
      const res = await make(`twin-${staffId.trim()}`, staffId);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'conflict' });
    }
    const other = await make('twin-ok', 'S-NEW-1');
    expect(other.status).toBe(201);
    const update = await admin().patch(`/api/admin/users/${other.body.id}`).set('Authorization', bearer('admin')).send({ staffId: 's-r2' });
    expect({ status: update.status, code: update.body.error?.code }).toEqual({ status: 409, code: 'conflict' });
  });

  it('a second account of the reviewer who approved 初审 cannot approve 复审, even after the 工号 moved between accounts', async () => {
    const draft = await draftIn(ctx, 'second');
    // r1 (工号 S-r1) approved 初审. The admin frees that 工号 and gives it to a new account with the 复审 role.
    expect((await admin().patch(`/api/admin/users/${ctx.people.ids.r1}`).set('Authorization', bearer('admin')).send({ staffId: 'S-r1-old' })).status).toBe(200);
    const twin = await admin()
      .post('/api/admin/users')
      .set('Authorization', bearer('admin'))
      .send({ username: 'r1twin', displayName: '李初审', staffId: 'S-R1', unitId: ctx.people.unitId, isStaff: true, roles: ['reviewer2'], password: PASSWORD });
    expect(twin.status).toBe(201);
    const token = (await request(ctx.app).post('/api/auth/login').send({ username: 'r1twin', password: PASSWORD })).body.token as string;
    const current = await request(ctx.app).get(`/api/drafts/${draft.id}`).set('Authorization', `Bearer ${token}`);
    const res = await request(ctx.app)
      .post(`/api/drafts/${draft.id}/decisions`)
      .set('Authorization', `Bearer ${token}`)
      .send({ stage: 'second', action: 'approve', comment: '', version: current.body.version });
    expect(res.status).toBe(403);
    expect(res.body.error.details.violations).toContain('acted_at_other_stage');
    // The rightful 复审 still can.
    const ok = await request(ctx.app)
      .post(`/api/drafts/${draft.id}/decisions`)
      .set('Authorization', bearer('r2'))
      .send({ stage: 'second', action: 'approve', comment: '', version: current.body.version });
    expect(ok.status).toBe(200);
  });
});

describe('8 · admins manage people', () => {
  let server: Server;
  let base: string;
  let http: ReturnType<typeof freshApp>;
  let realtime: SocketServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    http = freshApp({ onLogout: (userId) => realtime.endSessions(userId) });
    server = createServer(http);
    // A socket server, so the reset-password test can show that a must-change session gets no live socket.
    realtime = createSocketServer(server, { db: ctx.runtime.deps.db, idleMinutes: 30, allowedOrigins: null, revalidateMs: 60_000 });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await realtime.close();
  });
  const adminPost = (path: string, body?: object) =>
    request(http)
      .post(path)
      .set('Authorization', bearer('admin'))
      .send(body ?? {});
  const newPerson = async (username: string) => {
    const res = await adminPost('/api/admin/users', {
      username,
      displayName: `员工${username}`,
      staffId: `P-${username}`,
      unitId: ctx.people.unitId,
      isStaff: true,
      roles: ['reviewer1'],
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    const login = await request(http).post('/api/auth/login').send({ username, password: PASSWORD });
    return { id: res.body.id as string, token: login.body.token as string };
  };
  const liveSocket = async (token: string) => {
    const socket = connect(base, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
    sockets.push(socket);
    const seen = { reason: null as string | null };
    socket.on('session.ended', () => (seen.reason = 'session.ended'));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // Resolves once the server told the socket its session ended and dropped it (or 'still connected' after 5 s).
    return (async () => {
      const gone = () => ![...realtime.io.sockets.sockets.values()].some((s) => (s.handshake.auth as { token?: string }).token === token);
      for (let i = 0; i < 600 && !(seen.reason && gone()); i++) await new Promise((r) => setTimeout(r, 25));
      return seen.reason && gone() ? 'ended by the server' : `still connected ${seen.reason} ${gone()} ${realtime.io.sockets.sockets.size}`;
    })();
  };
  const me = (token: string) => request(http).get('/api/auth/me').set('Authorization', `Bearer ${token}`);

  it('revoke all sessions: HTTP 401 at once and the live socket is closed', async () => {
    const p = await newPerson('revoked8');
    const res = await adminPost(`/api/admin/users/${p.id}/revoke-sessions`);
    expect(res.status).toBe(200);
    expect(res.body.sessionsEnded).toBe(1);
    expect((await me(p.token)).status).toBe(401);
    // Closing the user's live sockets at once: realtime.test.ts (“is ended when an admin revokes …”).
  });

  it('disable ends every session and refuses sign-in like a wrong password; enable lets the person back', async () => {
    const p = await newPerson('disabled8');
    expect((await adminPost(`/api/admin/users/${p.id}/disable`, { reason: '离职' })).status).toBe(200);
    expect((await me(p.token)).status).toBe(401);
    expect((await request(http).post('/api/auth/login').send({ username: 'disabled8', password: PASSWORD })).status).toBe(401);
    expect((await adminPost(`/api/admin/users/${p.id}/enable`)).status).toBe(200);
    expect((await request(http).post('/api/auth/login').send({ username: 'disabled8', password: PASSWORD })).status).toBe(200);
    // An admin cannot lock themself out.
    expect((await adminPost(`/api/admin/users/${ctx.people.ids.admin}/disable`, { reason: '误操作' })).status).toBe(403);
  });

  it('unlock lifts a lockout', async () => {
    const p = await newPerson('locked8');
    for (let i = 0; i < 5; i++) await request(ctx.app).post('/api/auth/login').send({ username: 'locked8', password: 'wrong' });
    expect((await request(ctx.app).post('/api/auth/login').send({ username: 'locked8', password: PASSWORD })).status).toBe(423);
    expect((await adminPost(`/api/admin/users/${p.id}/unlock`)).status).toBe(200);
    expect((await request(ctx.app).post('/api/auth/login').send({ username: 'locked8', password: PASSWORD })).status).toBe(200);
  });

  it('reset password: old sessions end, the one-time password signs in to a session that can only change its password', async () => {
    const p = await newPerson('reset8');
    const res = await adminPost(`/api/admin/users/${p.id}/reset-password`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await me(p.token)).status).toBe(401);
    expect((await request(http).post('/api/auth/login').send({ username: 'reset8', password: PASSWORD })).status).toBe(401);
    const login = await request(http).post('/api/auth/login').send({ username: 'reset8', password: res.body.password });
    expect(login.status).toBe(200);
    expect(login.body.user.mustChangePassword).toBe(true);
    const t = `Bearer ${login.body.token}`;
    expect((await request(http).get('/api/auth/me').set('Authorization', t)).body.mustChangePassword).toBe(true);
    for (const blocked of [request(http).get('/api/drafts'), request(http).get('/api/board'), request(http).post('/api/drafts').send({})]) {
      const r = await blocked.set('Authorization', t);
      expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 403, code: 'password_change_required' });
    }
    // A socket is refused to that session as well.
    await expect(liveSocket(login.body.token)).rejects.toThrow('unauthenticated');
    const wrong = await request(http).post('/api/auth/password').set('Authorization', t).send({ currentPassword: 'nope', newPassword: 'New-Pass-2026!' });
    expect(wrong.status).toBe(400);
    const changed = await request(http).post('/api/auth/password').set('Authorization', t).send({ currentPassword: res.body.password, newPassword: 'New-Pass-2026!' });
    expect(changed.status).toBe(200);
    expect((await request(http).get('/api/drafts').set('Authorization', t)).status).toBe(200);
    expect((await request(http).post('/api/auth/login').send({ username: 'reset8', password: 'New-Pass-2026!' })).body.user.mustChangePassword).toBe(false);
  });

  it('edits units, platforms and a person’s profile; every change above is on the security chain', async () => {
    const unit = await request(http).patch(`/api/admin/units/${ctx.people.otherUnitId}`).set('Authorization', bearer('admin')).send({ name: '外国语学院（新）' });
    expect(unit.status).toBe(200);
    expect(unit.body.name).toBe('外国语学院（新）');
    const clash = await request(http)
      .patch(`/api/admin/units/${ctx.people.otherUnitId}`)
      .set('Authorization', bearer('admin'))
      .send({ code: (await ctx.superuser<{ code: string }>('SELECT code FROM units WHERE id = $1', [ctx.people.unitId]))[0]!.code });
    expect(clash.status).toBe(409);
    const platform = await request(http).patch(`/api/admin/platforms/${ctx.people.otherPlatformId}`).set('Authorization', bearer('admin')).send({ name: '外院视频号', kind: 'channels' });
    expect(platform.status).toBe(200);
    expect([platform.body.name, platform.body.kind]).toEqual(['外院视频号', 'channels']);
    const profile = await request(http).patch(`/api/admin/users/${ctx.people.ids.auditor}`).set('Authorization', bearer('admin')).send({ displayName: '周审计（改）' });
    expect(profile.body.displayName).toBe('周审计（改）');
    expect((await request(http).patch(`/api/admin/units/${ctx.people.unitId}`).set('Authorization', bearer('r1')).send({ name: 'x' })).status).toBe(403);
    const missing: string[] = [];
    for (const type of [
      'admin.sessions_revoked',
      'admin.user_disabled',
      'admin.user_enabled',
      'admin.user_unlocked',
      'admin.password_reset',
      'auth.password_changed',
      'admin.unit_updated',
      'admin.platform_updated',
      'admin.user_updated',
    ]) {
      if ((await securityEvents(type)).length === 0) missing.push(type);
    }
    expect(missing).toEqual([]);
  });
});
