/**
 * Sessions beyond test/integration/auth.test.ts (which has: lockout after 5 failures whatever X-Forwarded-For says,
 * HttpOnly SameSite cookie, cookie logout, idle expiry, no user enumeration). Here: who X-Forwarded-For is trusted
 * from, lockout expiry, absolute expiry, rotation at sign-in, Secure cookies, bearer logout. The foreign-Origin
 * WebSocket refusal is in realtime.test.ts.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import request from 'supertest';
import { createApp } from '../../src/http/app';
import { login } from '../../src/services/auth.service';
import { createTestContext, PASSWORD, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'r2', 'admin'] });
});
afterAll(async () => {
  await ctx?.close();
});

const sessionId = (token: string) => createHash('sha256').update(token).digest('hex');
const me = (token: string) => request(ctx.app).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
const freshSession = async (username: string) => (await login(ctx.runtime.deps.db, { username, password: PASSWORD, ip: '127.0.0.1', absoluteHours: 12 })).token;
const cookieOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => /^(__Host-)?sanshen_sid=/.test(c)) ?? '';

/** This machine's first non-loopback IPv4 address: a peer there is not a trusted proxy. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('X-Forwarded-For is trusted from the proxies TRUST_PROXY names only', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // Its own app, so its login rate limiter starts empty; a deployment that names the local proxy.
    server = createServer(createApp({ ...ctx.runtime.deps, checkpoints: ctx.checkpoints, health: ctx.runtime.health, trustProxy: ['loopback'] }));
    await new Promise<void>((done) => server.listen(0, '0.0.0.0', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  (outside ? it : it.skip)('a client that is not a local proxy cannot spread its attempts over invented addresses', async () => {
    const base = `http://${outside}:${port}`;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      // A different unknown name each time: the per-name lockout (423 after 5) is not what is tested here.
      const res = await request(base)
        .post('/api/auth/login')
        .set('X-Forwarded-For', `10.1.${i}.7`)
        .send({ username: `nobody-${i}`, password: 'wrong' });
      statuses.push(res.status);
    }
    // 20 attempts a minute per address: the 21st is refused although every one claimed another address.
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // And the security trail records the address the connection came from, not the one claimed.
    const ips = await ctx.superuser<{ ip: string }>("SELECT data->>'ip' AS ip FROM audit_events WHERE chain = 'security' AND type = 'auth.login_failed' AND actor_name LIKE 'nobody-%'");
    expect(ips.length).toBeGreaterThanOrEqual(20);
    expect(ips.every((r) => r.ip.endsWith(outside!))).toBe(true);
  });

  it('a local reverse proxy named in TRUST_PROXY (loopback) is trusted to name the client', async () => {
    const res = await request(`http://127.0.0.1:${port}`).post('/api/auth/login').set('X-Forwarded-For', '203.0.113.9').send({ username: 'nobody2', password: 'wrong' });
    expect(res.status).toBe(401);
    const [event] = await ctx.superuser<{ ip: string }>("SELECT data->>'ip' AS ip FROM audit_events WHERE chain = 'security' AND actor_name = 'nobody2'");
    expect(event?.ip).toBe('203.0.113.9');
  });
});

describe('lockout', () => {
  it('ends after its 30 minutes, and a correct password then resets the count', async () => {
    for (let i = 0; i < 5; i++) await request(ctx.app).post('/api/auth/login').send({ username: 'r2', password: 'wrong' });
    const locked = await request(ctx.app).post('/api/auth/login').send({ username: 'r2', password: PASSWORD });
    expect(locked.status).toBe(423);
    const [row] = await ctx.superuser<{ minutes: number }>("SELECT round(extract(epoch FROM locked_until - now()) / 60)::int AS minutes FROM users WHERE username = 'r2'");
    expect(row?.minutes).toBe(30);
    await ctx.superuser("UPDATE users SET locked_until = now() - interval '1 second' WHERE username = 'r2'");
    const back = await request(ctx.app).post('/api/auth/login').send({ username: 'r2', password: PASSWORD });
    expect(back.status).toBe(200);
    const [after] = await ctx.superuser<{ failed_logins: number; locked_until: Date | null }>("SELECT failed_logins, locked_until FROM users WHERE username = 'r2'");
    expect(after).toEqual({ failed_logins: 0, locked_until: null });
  });
});

describe('timeouts', () => {
  it('keeps a session used within the idle limit, and refreshes its clock', async () => {
    const token = await freshSession('editor');
    await ctx.superuser("UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE id = $1", [sessionId(token)]);
    expect((await me(token)).status).toBe(200);
    const [row] = await ctx.superuser<{ idle: number }>('SELECT extract(epoch FROM now() - last_seen_at)::int AS idle FROM sessions WHERE id = $1', [sessionId(token)]);
    expect(row!.idle).toBeLessThan(60);
  });

  it('ends a session at its absolute expiry however busy it is', async () => {
    const token = await freshSession('editor');
    expect((await me(token)).status).toBe(200);
    await ctx.superuser("UPDATE sessions SET created_at = now() - interval '12 hours 1 minute', expires_at = now() - interval '1 minute', last_seen_at = now() WHERE id = $1", [sessionId(token)]);
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('sets the absolute expiry from the configured hours at sign-in', async () => {
    const res = await request(ctx.app).post('/api/auth/login').send({ username: 'editor', password: PASSWORD });
    const [row] = await ctx.superuser<{ hours: number }>('SELECT round(extract(epoch FROM expires_at - created_at) / 3600)::int AS hours FROM sessions WHERE id = $1', [sessionId(res.body.token)]);
    expect(row?.hours).toBe(ctx.runtime.deps.session.absoluteHours);
    expect(cookieOf(res)).toMatch(/Expires=/);
  });
});

describe('rotation and cookies', () => {
  it('never adopts a session id the browser brings: a planted id does not authenticate and is replaced', async () => {
    const planted = 'attacker-chosen-session-id';
    const res = await request(ctx.app).post('/api/auth/login').set('Cookie', `sanshen_sid=${planted}`).send({ username: 'editor', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(cookieOf(res)).not.toContain(planted);
    expect(res.body.token).not.toBe(planted);
    expect((await request(ctx.app).get('/api/auth/me').set('Cookie', `sanshen_sid=${planted}`)).status).toBe(401);
  });

  it('ends the session the browser already had when someone signs in on it', async () => {
    const earlier = await request(ctx.app).post('/api/auth/login').send({ username: 'r1', password: PASSWORD });
    const earlierCookie = cookieOf(earlier).split(';')[0]!;
    const again = await request(ctx.app).post('/api/auth/login').set('Cookie', earlierCookie).send({ username: 'editor', password: PASSWORD });
    expect(again.status).toBe(200);
    expect(cookieOf(again).split(';')[0]).not.toBe(earlierCookie);
    expect((await request(ctx.app).get('/api/auth/me').set('Cookie', earlierCookie)).status).toBe(401);
    expect((await request(ctx.app).get('/api/auth/me').set('Cookie', cookieOf(again).split(';')[0]!)).body.username).toBe('editor');
  });

  it('marks the cookie Secure when the deployment says so, HttpOnly and SameSite always', async () => {
    const app = createApp({ ...ctx.runtime.deps, checkpoints: ctx.checkpoints, health: ctx.runtime.health, secureCookies: true });
    const cookie = cookieOf(await request(app).post('/api/auth/login').send({ username: 'admin', password: PASSWORD }));
    expect(cookie).toMatch(/^__Host-sanshen_sid=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
  });
});

describe('logout', () => {
  it('ends a bearer session for HTTP at once, clears the cookie, audits it, and leaves the other sessions alone', async () => {
    const token = await freshSession('admin');
    const other = await freshSession('admin');
    const res = await request(ctx.app).post('/api/auth/logout').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(cookieOf(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    const after = await me(token);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    expect((await request(ctx.app).post('/api/drafts').set('Authorization', `Bearer ${token}`).send({})).status).toBe(401);
    expect((await me(other)).status).toBe(200);
    const [row] = await ctx.superuser<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1', [sessionId(token)]);
    expect(row?.revoked).toBe(true);
    const events = await ctx.superuser<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE chain = 'security' AND type = 'auth.logout' AND actor_id = $1", [ctx.people.ids.admin]);
    expect(events[0]!.n).toBeGreaterThanOrEqual(1);
  });

  it('refuses a token that was never issued, an over-long one, and a malformed header, as 401', async () => {
    for (const header of ['Bearer forged', `Bearer ${'a'.repeat(5_000)}`, 'Bearer', 'Basic YWRtaW46YWRtaW4=']) {
      const res = await request(ctx.app).get('/api/auth/me').set('Authorization', header);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });
});
