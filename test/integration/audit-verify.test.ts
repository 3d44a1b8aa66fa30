import { draftChain } from '../../src/domain/audit';
import { verifyChains, writeCheckpoint } from '../../src/services/audit-trail.service';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'auditor'] });
});
afterAll(async () => {
  await ctx?.close();
});

async function submit(title: string): Promise<string> {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title }));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('verifying the whole trail in one pass', () => {
  it('reads every chain across page boundaries, whatever the page size', async () => {
    for (let i = 0; i < 4; i++) await submit(`分页校验 ${i}`);
    const byChain = await verifyChains(ctx.runtime.deps.db, ctx.checkpoints);
    expect(byChain.ok).toBe(true);
    for (const pageSize of [1, 2, 3, 1000]) {
      const paged = await verifyChains(ctx.runtime.deps.db, ctx.checkpoints, undefined, { pageSize });
      expect(paged.ok).toBe(true);
      expect(paged.checkedEvents).toBe(byChain.checkedEvents);
      expect(paged.chains.map((c) => [c.chain, c.events])).toEqual(byChain.chains.map((c) => [c.chain, c.events]));
    }
  });

  it('names a chain that a superuser deleted wholesale after it was checkpointed', async () => {
    const id = await submit('整链删除');
    await writeCheckpoint(ctx.runtime.deps.db, ctx.checkpoints);
    expect((await verifyChains(ctx.runtime.deps.db, ctx.checkpoints)).ok).toBe(true);
    await ctx.superuser(`SET session_replication_role = replica; DELETE FROM audit_events WHERE chain = '${draftChain(id)}'`);
    const report = await verifyChains(ctx.runtime.deps.db, ctx.checkpoints, undefined, { pageSize: 2 });
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toMatchObject({ chain: draftChain(id), seq: 1, reason: 'missing_event' });
  });
});
