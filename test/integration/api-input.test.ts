import request from 'supertest';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'auditor', 'admin', 'foreign'] });
});
afterAll(async () => {
  await ctx?.close();
});

const post = (body: string | object, type = 'application/json') =>
  request(ctx.app)
    .post('/api/drafts')
    .set('Authorization', `Bearer ${ctx.people.tokens.editor}`)
    .set('Content-Type', type)
    .send(typeof body === 'string' ? body : JSON.stringify(body));

async function draftCount(): Promise<number> {
  const rows = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM drafts');
  return rows[0]?.n ?? 0;
}

describe('bad input gets a clear JSON error and changes nothing', () => {
  it.each<[string, () => request.Test, number, string]>([
    ['invalid JSON', () => post('{"title": '), 400, 'invalid_json'],
    ['a 10 MB body', () => post({ ...draftBody(ctx), body: '字'.repeat(3_500_000) }), 413, 'payload_too_large'],
    [
      'invalid UTF-8',
      () =>
        request(ctx.app)
          .post('/api/drafts')
          .set('Authorization', `Bearer ${ctx.people.tokens.editor}`)
          .set('Content-Type', 'application/json')
          .serialize(((b: Buffer) => b) as never)
          .send(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) as never),
      400,
      'invalid_utf8',
    ],
    ['a lone surrogate', () => post(`{"platformId":"${ctx.people.platformId}","title":"\\ud800标题","body":"正文"}`), 400, 'validation_failed'],
    ['a NUL character', () => post({ ...draftBody(ctx), body: '正文\u0000' }), 400, 'validation_failed'],
    ['a privileged status field', () => post({ ...draftBody(ctx), status: 'approved' }), 400, 'validation_failed'],
    ['approvals smuggled in', () => post({ ...draftBody(ctx), approvals: [{ stage: 'first' }] }), 400, 'validation_failed'],
    ['createdBy smuggled in', () => post({ ...draftBody(ctx), createdBy: ctx.people.ids.admin }), 400, 'validation_failed'],
    ['a __proto__ key', () => post(`{"platformId":"${ctx.people.platformId}","title":"t","body":"b","__proto__":{"isAdmin":true}}`), 400, 'validation_failed'],
    ['deeply nested JSON', () => post(`{"platformId":"${ctx.people.platformId}","title":"t","body":"b","origin":${'['.repeat(5000)}${']'.repeat(5000)}}`), 400, 'validation_failed'],
    ['a missing title', () => post({ platformId: ctx.people.platformId, body: '正文' }), 400, 'validation_failed'],
    ['an unknown platform', () => post({ ...draftBody(ctx), platformId: '00000000-0000-4000-8000-000000000000' }), 400, 'validation_failed'],
    ["another unit's platform", () => post({ ...draftBody(ctx), platformId: ctx.people.otherPlatformId }), 403, 'platform_not_allowed'],
    ['an unauthenticated request', () => request(ctx.app).post('/api/drafts').send(draftBody(ctx)), 401, 'unauthenticated'],
    ['a bad Idempotency-Key', () => post(draftBody(ctx)).set('Idempotency-Key', 'k'.repeat(201)), 400, 'validation_failed'],
  ])('%s', async (_name, send, status, code) => {
    const before = await draftCount();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(await draftCount()).toBe(before);
  });

  it.each([
    ['GET', '/api/drafts/not-a-uuid'],
    ['GET', '/api/drafts?page=-1'],
    ['GET', '/api/drafts?status=hacked'],
    ['GET', '/api/drafts?from=yesterday'],
    ['POST', '/api/drafts/00000000-0000-4000-8000-000000000000/decisions'],
    ['GET', '/api/nothing-here'],
  ])('answers %s %s with a JSON 4xx, never a 500', async (method, path) => {
    const req = method === 'GET' ? ctx.api('r1').get(path) : ctx.api('r1').post(path, { stage: 'first', action: 'approve', version: 1 });
    const res = await req;
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toEqual(expect.any(String));
  });

  it('serves the OpenAPI 3.1 document listing every endpoint', async () => {
    const res = await request(ctx.app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of [
      '/api/auth/login',
      '/api/drafts',
      '/api/drafts/{id}',
      '/api/drafts/{id}/decisions',
      '/api/drafts/{id}/release',
      '/api/drafts/{id}/trail',
      '/api/drafts/{id}/trail/verify',
      '/api/drafts/{id}/review-sheet',
      '/api/drafts/{id}/corrections',
      '/api/drafts/{id}/findings/{fid}/waive',
      '/api/admin/users',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect((await request(ctx.app).get('/api/docs/')).status).toBe(200);
  });

  it('keeps auditors read-only and admin endpoints for admins', async () => {
    expect((await ctx.api('auditor').post('/api/drafts', draftBody(ctx))).status).toBe(403);
    expect((await ctx.api('editor').post('/api/admin/units', { name: '新单位', code: 'NEW' })).status).toBe(403);
    expect((await ctx.api('editor').get('/api/admin/users')).status).toBe(403);
    const created = await ctx.api('admin').post('/api/admin/units', { name: '新单位', code: 'NEW' });
    expect(created.status).toBe(201);
    expect((await ctx.api('admin').post('/api/admin/units', { name: '新单位', code: 'NEW' })).status).toBe(409);
    const denials = await ctx.superuser<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE type = 'access.denied'");
    expect(denials[0]?.n).toBeGreaterThanOrEqual(3);
  });
});
