import { createHash } from 'node:crypto';
import request from 'supertest';
import { createTestContext, PASSWORD, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'admin'] });
});
afterAll(async () => {
  await ctx?.close();
});

const login = (username: string, password: string, ip = '10.0.0.1') => request(ctx.app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ username, password });

describe('sessions and accounts', () => {
  it('sets an HttpOnly SameSite cookie that authenticates the browser, and logout kills it', async () => {
    const res = await login('editor', PASSWORD);
    expect(res.status).toBe(200);
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/sanshen_sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const me = await request(ctx.app)
      .get('/api/auth/me')
      .set('Cookie', cookie.split(';')[0] as string);
    expect(me.body.username).toBe('editor');
    const second = await login('editor', PASSWORD);
    expect(second.body.token).not.toBe(res.body.token);
    await request(ctx.app)
      .post('/api/auth/logout')
      .set('Cookie', cookie.split(';')[0] as string);
    expect(
      (
        await request(ctx.app)
          .get('/api/auth/me')
          .set('Cookie', cookie.split(';')[0] as string)
      ).status,
    ).toBe(401);
  });

  it('locks an account for 30 minutes after 5 failures, whatever X-Forwarded-For says, and audits it', async () => {
    for (let i = 0; i < 4; i++) expect((await login('r1', 'wrong', `10.9.9.${i}`)).status).toBe(401);
    const fifth = await login('r1', 'wrong', '10.9.9.99');
    expect(fifth.status).toBe(423);
    expect(fifth.body.error.code).toBe('account_locked');
    const right = await login('r1', PASSWORD, '192.168.1.1');
    expect(right.status).toBe(423);
    const events = await ctx.superuser<{ type: string }>("SELECT type FROM audit_events WHERE chain = 'security' AND actor_name LIKE '%r1%' ORDER BY seq");
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'auth.login_failed')).toHaveLength(4);
    expect(types).toContain('auth.account_locked');
    expect(types).toContain('auth.login_locked');
  });

  it('expires a session left idle past the limit', async () => {
    const res = await login('admin', PASSWORD);
    const sessionId = createHash('sha256').update(res.body.token).digest('hex');
    await ctx.superuser("UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id = $1", [sessionId]);
    expect((await request(ctx.app).get('/api/auth/me').set('Authorization', `Bearer ${res.body.token}`)).status).toBe(401);
  });

  it('does not tell unknown users from wrong passwords', async () => {
    const unknown = await login('nobody', 'x');
    const wrong = await login('editor', 'x');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it('refuses weak passwords for new accounts', async () => {
    const weak = await ctx.api('admin').post('/api/admin/users', { username: 'weak', displayName: '弱', password: 'password', roles: [] });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.field).toBe('password');
  });
});
