import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ worker: true });
});
afterAll(async () => {
  await ctx?.close();
});

const get = (user: string, id: string) =>
  ctx
    .api(user)
    .get(`/api/drafts/${id}`)
    .then((r) => r.body);
const decide = async (user: string, id: string, stage: string, action = 'approve', comment = '同意') => {
  // The version as the auditor sees it: the acting user may not be allowed to read the draft at all.
  const d = await get('auditor', id);
  return ctx.api(user).post(`/api/drafts/${id}/decisions`, { stage, action, comment, version: d.version });
};

async function inReview(over: Record<string, unknown> = {}) {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, over));
  expect(res.status).toBe(201);
  await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status !== 'checking');
  return res.body.id as string;
}

async function lastEvent(id: string) {
  const trail = await ctx.api('auditor').get(`/api/drafts/${id}/trail`);
  return trail.body.events[trail.body.events.length - 1];
}

describe('blocking findings', () => {
  it('returns a draft with a blocking finding to its editor, and a statement plus a 宣传部 waiver lets it go on', async () => {
    // A 密级 marking is never waivable (review-rules-policies.test.ts); an unlicensed image is, by 宣传部 only.
    const id = await inReview({ assets: [{ kind: 'image', name: '现场.jpg' }] });
    const returned = await get('editor', id);
    expect(returned.status).toBe('returned');
    const blocking = returned.findings.filter((f: { severity: string }) => f.severity === 'block');
    expect(blocking.length).toBeGreaterThan(0);
    expect(blocking[0]).toMatchObject({ check: 'copyright', waiverPolicy: 'propaganda' });
    expect((await lastEvent(id)).data).toMatchObject({ autoReturned: true });

    // Approving over an unwaived block is refused.
    const resubmit = await ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement: '图片为本院自摄', version: returned.version });
    expect(resubmit.status).toBe(200);
    expect(resubmit.body).toMatchObject({ status: 'in_review', stage: 'first' });
    const refused = await decide('r1', id, 'first');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('invalid_transition');

    // Only an eligible reviewer may waive, with a reason.
    const byAuthor = await ctx.api('editor').post(`/api/drafts/${id}/findings/${blocking[0].id}/waive`, { reason: '我说可以' });
    expect(byAuthor.status).toBe(403);
    const noReason = await ctx.api('prop').post(`/api/drafts/${id}/findings/${blocking[0].id}/waive`, { reason: '' });
    expect(noReason.status).toBe(400);
    for (const f of blocking) {
      const waived = await ctx.api('prop').post(`/api/drafts/${id}/findings/${f.id}/waive`, { reason: '已核实为本院自摄图片' });
      expect(waived.status).toBe(200);
    }
    expect(await lastEvent(id)).toMatchObject({ type: 'finding.waived', data: { reason: '已核实为本院自摄图片' } });
    expect((await decide('r1', id, 'first')).status).toBe(200);
    const after = await get('r1', id);
    expect(after.findings.find((f: { id: string }) => f.id === blocking[0].id).waived.reason).toBe('已核实为本院自摄图片');
  });
});

describe('separation of duties', () => {
  it.each([
    ['the author reviewing their own draft', 'editor', 'first'],
    ['a non-staff reviewer', 'temp', 'first'],
    ['a reviewer from another unit', 'foreign', 'first'],
    ['a reviewer without the stage role', 'r2', 'first'],
  ])('refuses %s with 403', async (_what, user, stage) => {
    const id = await inReview();
    const res = await decide(user, id, stage);
    expect([403]).toContain(res.status);
    expect(res.body.error.code).toBe('forbidden');
    expect((await get('r1', id)).stage).toBe('first');
  });

  it('lets one person act at one stage of a draft only', async () => {
    const id = await inReview();
    expect((await decide('multi', id, 'first')).status).toBe(200);
    const second = await decide('multi', id, 'second');
    expect(second.status).toBe(403);
    expect(second.body.error.details.violations).toContain('acted_at_other_stage');
  });

  it('keeps editors and reviewers of other units out of a draft and its trail', async () => {
    const id = await inReview();
    for (const path of ['', '/trail', '/trail/verify', '/review-sheet']) {
      const res = await ctx.api('foreign').get(`/api/drafts/${id}${path}`);
      expect(res.status).toBe(403);
    }
    const list = await ctx.api('foreign').get('/api/drafts');
    expect(list.body.items.map((d: { id: string }) => d.id)).not.toContain(id);
    expect((await ctx.api('prop').get(`/api/drafts/${id}`)).status).toBe(200);
  });

  it('needs the 宣传部 stage for a major draft', async () => {
    const id = await inReview({ major: true });
    await decide('r1', id, 'first');
    await decide('r2', id, 'second');
    await decide('r3', id, 'final');
    expect((await get('r3', id)).stage).toBe('propaganda');
    const early = await ctx.api('editor').post(`/api/drafts/${id}/release`, {});
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('release_blocked');
    expect((await decide('prop', id, 'propaganda')).status).toBe(200);
    expect((await ctx.api('editor').post(`/api/drafts/${id}/release`, {})).status).toBe(200);
  });
});

describe('versions and races', () => {
  it('answers a stale version with 409 conflict', async () => {
    const id = await inReview();
    const d = await get('r1', id);
    const res = await ctx.api('r1').post(`/api/drafts/${id}/decisions`, { stage: 'first', action: 'approve', comment: '', version: d.version - 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });

  it('lets exactly one of 20 concurrent approvals of a stage win', async () => {
    const id = await inReview();
    const d = await get('r1', id);
    const results = await Promise.all(Array.from({ length: 20 }, () => ctx.api('r1').post(`/api/drafts/${id}/decisions`, { stage: 'first', action: 'approve', comment: '', version: d.version })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const after = await get('r1', id);
    expect(after.decisions).toHaveLength(1);
  });

  it('releases exactly once under 10 concurrent releases', async () => {
    const id = await inReview();
    await decide('r1', id, 'first');
    await decide('r2', id, 'second');
    await decide('r3', id, 'final');
    const results = await Promise.all(Array.from({ length: 10 }, () => ctx.api('editor').post(`/api/drafts/${id}/release`, {})));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    expect(results.every((r) => r.status !== 500)).toBe(true);
    const trail = await ctx.api('auditor').get(`/api/drafts/${id}/trail`);
    expect(trail.body.events.filter((e: { type: string }) => e.type === 'draft.released')).toHaveLength(1);
  });

  it('refuses to release after an edit that followed the approvals', async () => {
    const id = await inReview();
    await decide('r1', id, 'first');
    await decide('r2', id, 'second');
    await decide('r3', id, 'final');
    const approved = await get('editor', id);
    const edit = await ctx.api('editor').post(`/api/drafts/${id}/revisions`, { ...draftBody(ctx), platformId: undefined, body: '改过的正文。', version: approved.version });
    expect(edit.status).toBe(201);
    const release = await ctx.api('editor').post(`/api/drafts/${id}/release`, {});
    expect(release.status).toBe(409);
    expect(release.body.error.code).toBe('release_blocked');
    // The new revision restarts review at 初审 once checked.
    const back = await waitForDraft(ctx, 'editor', id, (d) => d.status === 'in_review');
    expect(back.stage).toBe('first');
    expect(back.round).toBe(2);
  });

  it('keeps the stage and earlier approvals on a proofreading edit, and the final approval binds the new hash', async () => {
    const id = await inReview();
    await decide('r1', id, 'first');
    const d = await get('r2', id);
    const proof = await ctx.api('r2').post(`/api/drafts/${id}/revisions`, {
      title: d.currentRevision.title,
      body: d.currentRevision.body.replace('运动会', '运动会（校对）'),
      // Issue 9: the stored body is the canonical (HTML) form of the submitted markdown; edit it in its own format.
      format: d.currentRevision.format,
      stage: 'second',
      version: d.version,
      marks: [{ start: 0, end: 2, original: '11', suggestion: '11', note: '核对日期' }],
    });
    expect(proof.status).toBe(201);
    const back = await waitForDraft(ctx, 'r2', id, (x) => x.status === 'in_review');
    expect(back.stage).toBe('second');
    expect(back.round).toBe(1);
    expect(back.revisions.at(-1).diff.changes[0]).toMatchObject({ field: 'body', inserted: '（校对）' });
    await decide('r2', id, 'second');
    await decide('r3', id, 'final');
    const release = await ctx.api('editor').post(`/api/drafts/${id}/release`, {});
    expect(release.status).toBe(200);
    expect(release.body.releasedHash).toBe(proof.body.revision.hash);
  });

  it('needs a comment to return or reject', async () => {
    const id = await inReview();
    const res = await decide('r1', id, 'first', 'return', '   ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await decide('r1', id, 'first', 'reject', '内容不宜公开发布')).status).toBe(200);
    expect((await get('r1', id)).status).toBe('rejected');
  });
});

describe('纠错 after release', () => {
  async function released(): Promise<string> {
    const id = await inReview();
    await decide('r1', id, 'first');
    await decide('r2', id, 'second');
    await decide('r3', id, 'final');
    expect((await ctx.api('editor').post(`/api/drafts/${id}/release`, {})).status).toBe(200);
    return id;
  }

  it('sends a correction through review again and releases it as corrected, on the same trail', async () => {
    const id = await released();
    const d = await get('editor', id);
    const correction = await ctx.api('editor').post(`/api/drafts/${id}/corrections`, {
      action: 'correct',
      reason: '更正日期',
      version: d.version,
      title: d.currentRevision.title,
      body: d.currentRevision.body.replace('11月20日', '11月21日'),
      format: d.currentRevision.format,
    });
    expect(correction.status).toBe(200);
    expect(correction.body.status).toBe('checking');
    await waitForDraft(ctx, 'editor', id, (x) => x.status === 'in_review');
    // The same people may act again at their own stage in the new round.
    await decide('r1', id, 'first');
    await decide('r2', id, 'second');
    await decide('r3', id, 'final');
    const release = await ctx.api('editor').post(`/api/drafts/${id}/release`, {});
    expect(release.body).toMatchObject({ status: 'corrected', releasedHash: correction.body.revision.hash });
    const trail = await ctx.api('auditor').get(`/api/drafts/${id}/trail`);
    const types = trail.body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'draft.released')).toHaveLength(2);
    expect(types).toContain('draft.correction_submitted');
    expect((await ctx.api('auditor').get(`/api/drafts/${id}/trail/verify`)).body.ok).toBe(true);
  });

  it('lets 宣传部 retract a released draft with a reason, and not an editor', async () => {
    const id = await released();
    const d = await get('editor', id);
    expect((await ctx.api('editor').post(`/api/drafts/${id}/corrections`, { action: 'retract', reason: '失实', version: d.version })).status).toBe(403);
    const retract = await ctx.api('prop').post(`/api/drafts/${id}/corrections`, { action: 'retract', reason: '内容失实，撤稿', version: d.version });
    expect(retract.status).toBe(200);
    expect(retract.body.status).toBe('retracted');
    expect(await lastEvent(id)).toMatchObject({ type: 'draft.retracted', data: { reason: '内容失实，撤稿' } });
  });
});
