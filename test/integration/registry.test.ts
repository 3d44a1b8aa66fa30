import { addWorkingDays, localDay } from '../../src/domain/registry';
import { completeChecks, currentRevision, decide } from '../helpers/draft-states';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const chainOf = (platformId: string) =>
  ctx.superuser<{ type: string; actor_id: string | null; data: Record<string, any> }>('SELECT type, actor_id, data FROM audit_events WHERE chain = $1 ORDER BY seq', [`platform-${platformId}`]);

const form = (over: Record<string, unknown> = {}) => ({
  name: '学院青年志愿者公众号',
  kind: 'wechat',
  level: 'student_org',
  unitId: ctx.people.unitId,
  accountName: '学院青志协',
  accountId: 'gh_1234567890ab',
  responsibleId: ctx.people.ids.r3,
  admins: [
    { userId: ctx.people.ids.r1, phone: '13800138000' },
    { userId: ctx.people.ids.r2, phone: '0571-88888888' },
  ],
  correspondents: [{ name: '学生记者甲', phone: '13900139000' }],
  positioning: '学院志愿服务资讯',
  openedOn: '2024-09-01',
  partner: null,
  ...over,
});

const submitTo = (platformId: string) => ctx.api('editor').post('/api/drafts', draftBody(ctx, { platformId }));

async function applied(over: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await ctx.api('editor').post('/api/registry/applications', form(over));
  expect(res.status).toBe(201);
  return res.body;
}

async function registered(over: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const p = await applied(over);
  const res = await ctx.api('prop').post(`/api/registry/filings/${p.filings[0].id}/decision`, { action: 'approve', comment: '同意备案' });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('registered');
  return res.body;
}

describe('备案 lifecycle', () => {
  it('a unit applies with the full form; the account takes no drafts until 宣传部 approves', async () => {
    const p = await applied();
    expect(p.status).toBe('pending');
    expect(p.filings).toHaveLength(1);
    expect(p.filings[0]).toMatchObject({ kind: 'application', status: 'pending' });
    expect(p.admins.map((a: any) => [a.name, a.staffId])).toEqual([
      ['测试r1', 'S-r1'],
      ['测试r2', 'S-r2'],
    ]);

    const refused = await submitTo(p.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('platform_not_registered');

    // An editor cannot approve their own unit's application.
    const self = await ctx.api('editor').post(`/api/registry/filings/${p.filings[0].id}/decision`, { action: 'approve' });
    expect(self.status).toBe(403);

    const approved = await ctx.api('prop').post(`/api/registry/filings/${p.filings[0].id}/decision`, { action: 'approve', comment: '同意' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('registered');
    expect((await submitTo(p.id)).status).toBe(201);

    expect((await chainOf(p.id)).map((e) => e.type)).toEqual(['registry.applied', 'registry.approved']);
    const verify = await ctx.api('auditor').get(`/api/registry/platforms/${p.id}/trail/verify`);
    expect(verify.body).toMatchObject({ ok: true, events: 2 });
  });

  it('refuses an incomplete form, a non-staff 责任人 or 管理人员, and another unit', async () => {
    const incomplete = await ctx.api('editor').post('/api/registry/applications', form({ accountId: undefined, admins: [] }));
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.details.missing).toEqual(expect.arrayContaining(['accountId', 'admins']));
    const temp = await ctx.api('editor').post('/api/registry/applications', form({ responsibleId: ctx.people.ids.temp }));
    expect(temp.status).toBe(400);
    expect(temp.body.error.details.field).toBe('responsibleId');
    const tempAdmin = await ctx.api('editor').post('/api/registry/applications', form({ admins: [{ userId: ctx.people.ids.temp, phone: '13800138000' }] }));
    expect(tempAdmin.status).toBe(400);
    expect(tempAdmin.body.error.details.field).toBe('admins.0.userId');
    const other = await ctx.api('editor').post('/api/registry/applications', form({ unitId: ctx.people.otherUnitId }));
    expect(other.status).toBe(403);
  });

  it('a returned application needs a reason, takes no drafts, and can be filed again', async () => {
    const p = await applied({ name: '待退回账号' });
    const noReason = await ctx.api('prop').post(`/api/registry/filings/${p.filings[0].id}/decision`, { action: 'return' });
    expect(noReason.status).toBe(400);
    const returned = await ctx.api('prop').post(`/api/registry/filings/${p.filings[0].id}/decision`, { action: 'return', comment: '账号定位不清' });
    expect(returned.body.status).toBe('returned');
    expect((await submitTo(p.id)).body.error.code).toBe('platform_not_registered');
    const again = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/application`, form({ name: '待退回账号', positioning: '学院志愿服务活动通知与报道' }));
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('pending');
    expect((await chainOf(p.id)).map((e) => e.type)).toEqual(['registry.applied', 'registry.returned', 'registry.applied']);
  });

  it('a 变更 changes nothing until approved, carries its diff, and is flagged when filed late', async () => {
    const p = await registered({ name: '变更前名称' });
    const today = localDay(new Date(), 'Asia/Shanghai');
    const longAgo = '2025-03-03';
    const change = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/changes`, {
      name: '变更后名称',
      admins: [{ userId: ctx.people.ids.multi, phone: '13700137000' }],
      changedOn: longAgo,
      reason: '人员调整',
    });
    expect(change.status).toBe(201);
    expect(change.body).toMatchObject({ kind: 'change', status: 'pending', changedOn: longAgo, dueOn: addWorkingDays(longAgo, 5), late: true });
    expect(change.body.diff.map((d: any) => d.field)).toEqual(['name', 'admins']);
    expect(change.body.diff[0]).toEqual({ field: 'name', before: '变更前名称', after: '变更后名称' });

    // Not applied yet.
    const before = await ctx.api('editor').get(`/api/registry/platforms/${p.id}`);
    expect(before.body.name).toBe('变更前名称');
    // A second change while one is pending is refused.
    const second = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/changes`, { name: '又一个名称', changedOn: today, reason: '再改' });
    expect(second.status).toBe(409);

    const approved = await ctx.api('prop').post(`/api/registry/filings/${change.body.id}/decision`, { action: 'approve', comment: '同意变更' });
    expect(approved.status).toBe(200);
    expect(approved.body.name).toBe('变更后名称');
    expect(approved.body.admins.map((a: any) => a.staffId)).toEqual(['S-multi']);

    const onTime = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/changes`, { responsibleId: ctx.people.ids.r1, changedOn: today, reason: '责任人调整' });
    expect(onTime.status).toBe(201);
    expect(onTime.body.late).toBe(false);
    // The same values again: nothing to file.
    await ctx.api('prop').post(`/api/registry/filings/${onTime.body.id}/decision`, { action: 'return', comment: '请附任命文件' });
    const unchanged = await ctx.api('editor').get(`/api/registry/platforms/${p.id}`);
    expect(unchanged.body.responsible.id).toBe(ctx.people.ids.r3);
    const empty = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/changes`, { name: '变更后名称', changedOn: today, reason: '无' });
    expect(empty.status).toBe(400);

    const chain = await chainOf(p.id);
    expect(chain.map((e) => e.type)).toEqual(['registry.applied', 'registry.approved', 'registry.change_filed', 'registry.change_approved', 'registry.change_filed', 'registry.change_returned']);
    const filed = chain[2]!;
    expect(filed.actor_id).toBe(ctx.people.ids.editor);
    expect(filed.data).toMatchObject({ late: true, changedOn: longAgo, diff: [{ field: 'name', before: '变更前名称', after: '变更后名称' }, { field: 'admins' }] });
    // Phone numbers stay out of the trail.
    expect(JSON.stringify(chain)).not.toContain('13700137000');
    expect(chain[3]!.actor_id).toBe(ctx.people.ids.prop);
  });

  it('a future change date is refused; phones are hidden from other units', async () => {
    const p = await registered({ name: '电话可见性' });
    const future = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/changes`, { name: 'x', changedOn: '2999-01-01', reason: 'x' });
    expect(future.status).toBe(400);
    const own = await ctx.api('r1').get(`/api/registry/platforms/${p.id}`);
    expect(own.body.admins[0].phone).toBe('13800138000');
    const foreign = await ctx.api('foreign').get(`/api/registry/platforms/${p.id}`);
    expect(foreign.body.admins[0].phone).toBeNull();
    expect(foreign.body.correspondents[0].phone).toBeNull();
    expect((await ctx.api('foreign').get(`/api/registry/platforms/${p.id}/trail`)).status).toBe(403);
  });

  it('注销: a unit requests, 宣传部 approves; the office deregisters directly; drafts are refused, history stays', async () => {
    const p = await registered({ name: '将注销账号' });
    const draft = await submitTo(p.id);
    expect(draft.status).toBe(201);
    const request = await ctx.api('editor').post(`/api/registry/platforms/${p.id}/deregister`, { reason: '停止运营' });
    expect(request.status).toBe(200);
    expect(request.body.status).toBe('registered');
    const decided = await ctx.api('prop').post(`/api/registry/filings/${request.body.pendingFilingId}/decision`, { action: 'approve', comment: '同意注销' });
    expect(decided.body.status).toBe('deregistered');
    const refused = await submitTo(p.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('platform_not_registered');
    expect(refused.body.error.message).toContain('注销');
    // The draft filed before stays readable.
    expect((await ctx.api('editor').get(`/api/drafts/${draft.body.id}`)).status).toBe(200);

    const direct = await registered({ name: '直接注销账号' });
    const byAdmin = await ctx.api('admin').post(`/api/registry/platforms/${direct.id}/deregister`, { reason: '违规运营' });
    expect(byAdmin.body.status).toBe('deregistered');
    expect((await ctx.api('admin').post(`/api/registry/platforms/${direct.id}/deregister`, { reason: '再次' })).status).toBe(409);
    expect((await chainOf(direct.id)).map((e) => e.type)).toEqual(['registry.applied', 'registry.approved', 'registry.deregistered']);
    const list = await ctx.api('auditor').get('/api/registry/platforms?status=deregistered');
    expect(list.body.items.map((x: any) => x.id)).toEqual(expect.arrayContaining([p.id, direct.id]));
  });

  it('an approved draft cannot be released on an account deregistered meanwhile', async () => {
    const p = await registered({ name: '审核中注销' });
    const submitted = await submitTo(p.id);
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    await completeChecks(ctx, id);
    for (const [who, stage] of [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ] as const)
      await decide(ctx, who, id, stage);
    await ctx.api('prop').post(`/api/registry/platforms/${p.id}/deregister`, { reason: '撤销账号' });
    const { version } = await currentRevision(ctx, id);
    const release = await ctx.api('editor').post(`/api/drafts/${id}/release`, { version });
    expect(release.status).toBe(409);
    expect(release.body.error.code).toBe('platform_not_registered');
    expect((await currentRevision(ctx, id)).status).toBe('approved');
  });

  it('an admin-created platform is registered at once, with its chain', async () => {
    const res = await ctx.api('admin').post('/api/admin/platforms', { name: '管理员新建', kind: 'kuaishou', level: 'unit', unitId: ctx.people.unitId });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('registered');
    expect((await chainOf(res.body.id)).map((e) => e.type)).toEqual(['registry.registered']);
    expect((await submitTo(res.body.id)).status).toBe(201);
  });

  it('tampering with a registry event is named by the verify endpoint', async () => {
    const p = await registered({ name: '防篡改' });
    await ctx.superuser(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_rewrite`);
    await ctx.superuser(`UPDATE audit_events SET data = jsonb_set(data, '{comment}', '"改过"') WHERE chain = $1 AND seq = 2`, [`platform-${p.id}`]);
    await ctx.superuser(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_rewrite`);
    const verify = await ctx.api('prop').get(`/api/registry/platforms/${p.id}/trail/verify`);
    expect(verify.body.ok).toBe(false);
    expect(verify.body.firstBreak).toMatchObject({ seq: 2, reason: 'hash_mismatch' });
  });
});
