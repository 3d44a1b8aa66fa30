import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ worker: true });
});
afterAll(async () => {
  await ctx?.close();
});

async function submitted(over: Record<string, unknown> = {}) {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, over));
  expect(res.status).toBe(201);
  return res.body as { id: string; number: string; status: string; version: number; revision: { id: string; hash: string } };
}

async function approveAll(id: string, stages: Array<[string, string]>) {
  for (const [user, stage] of stages) {
    const draft = await ctx.api(user).get(`/api/drafts/${id}`);
    const res = await ctx.api(user).post(`/api/drafts/${id}/decisions`, { stage, action: 'approve', comment: '同意', version: draft.body.version });
    expect(res.status).toBe(200);
  }
}

describe('core pipeline', () => {
  it('carries a draft from submission through checks and three stages to release, with a verified trail', async () => {
    const draft = await submitted();
    expect(draft.number).toMatch(/^\d{4}-\d{6}$/);
    expect(draft.status).toBe('checking');

    const inReview = await waitForDraft(ctx, 'r1', draft.id, (d) => d.status === 'in_review');
    expect(inReview.stage).toBe('first');
    expect(inReview.checkRuns.every((r: { status: string }) => r.status === 'done')).toBe(true);
    expect(inReview.allowedActions).toEqual(['approve', 'return', 'reject', 'proofread']);

    await approveAll(draft.id, [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ]);
    const approved = await ctx.api('editor').get(`/api/drafts/${draft.id}`);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.releaseGate).toEqual([]);

    const release = await ctx.api('editor').post(`/api/drafts/${draft.id}/release`, { version: approved.body.version });
    expect(release.status).toBe(200);
    expect(release.body.status).toBe('released');
    expect(release.body.releasedHash).toBe(draft.revision.hash);

    const trail = await ctx.api('auditor').get(`/api/drafts/${draft.id}/trail`);
    expect(trail.status).toBe(200);
    const types = trail.body.events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('draft.submitted');
    expect(types).toContain('checks.completed');
    expect(types.slice(-4)).toEqual(['review.approved', 'review.approved', 'review.approved', 'draft.released']);

    const verify = await ctx.api('auditor').get(`/api/drafts/${draft.id}/trail/verify`);
    expect(verify.body).toMatchObject({ ok: true, events: types.length, firstBreak: null });

    const sheet = await ctx.api('auditor').get(`/api/drafts/${draft.id}/review-sheet`);
    expect(sheet.status).toBe(200);
    expect(sheet.text).toContain('S-r3');
    expect(sheet.text).toContain('终审（三校）');
  });
});
