/**
 * Issue 9 items 4 and 5 through the API and the real check worker: disguised words and numbers (astral invisible
 * code points, `&ensp;` after entity decoding, Kangxi radicals, Latin look-alikes, numbers in other scripts and
 * with separators) reach a blocking finding and return the draft; a draft of 29,000 hits per check yields at most
 * N + 1 findings per check, a small detail response, and a summary carrying the total.
 */
import { CHECKS_CONFIG } from '../../config/checks';
import { canonicalise } from '../../src/shared/document/canonicalise';
import { idCardCheckChar } from '../../src/checks/rules/validators';
import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ worker: true, accounts: ['editor', 'r1'] });
});
afterAll(async () => {
  await ctx?.close();
});

const LIMIT = CHECKS_CONFIG.limits.findingsPerCheck;
const ID17 = '11010519900307123';
const ID = ID17 + idCardCheckChar(ID17);
const CHINESE = '零一二三四五六七八九';

type Found = { check: string; category: string; severity: string; matched: string; ruleId: string; evidence?: Record<string, unknown>; source: { field: string; start: number; end: number } };

describe('disguised words and numbers block the draft through the pipeline', () => {
  it.each([
    ['html', '<p>近日有人散发法&ensp;轮&#x2009;功的宣传品。</p>', 'sensitive', '法&ensp;轮&#x2009;功'],
    ['html', '<p>近日有人散发法&#xE0020;轮&#x1D175;功的宣传品。</p>', 'sensitive', '法&#xE0020;轮&#x1D175;功'],
    ['text', '近日有人散发法\u{E0100}轮\u2800功的宣传品。', 'sensitive', '法\u{E0100}轮\u2800功'],
    ['markdown', '有人发布**黄⽚**链接。', 'sensitive', '黄⽚'],
    ['text', '有人出售赌\u{2F82E}工具。', 'sensitive', '赌\u{2F82E}'],
    ['text', '有人教大家用VРN翻墙上网。', 'sensitive', 'VРN翻墙'],
    ['text', '有人教大家用𝐕𝐏𝐍翻墙上网。', 'sensitive', '𝐕𝐏𝐍翻墙'],
    ['text', '百家乐·园有人出售筹码。', 'sensitive', '百家乐'],
    ['text', `学生身份证号${[...ID].map((d) => (/\d/.test(d) ? CHINESE[Number(d)] : d)).join('')}，请核对。`, 'secrecy', [...ID].map((d) => (/\d/.test(d) ? CHINESE[Number(d)] : d)).join('')],
    ['text', `学生身份证号${ID.slice(0, 6)} ${ID.slice(6, 14)}.${ID.slice(14)}，请核对。`, 'secrecy', `${ID.slice(0, 6)} ${ID.slice(6, 14)}.${ID.slice(14)}`],
  ])('%s: %s', async (format, body, check, covers) => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body, format }));
    expect(res.status).toBe(201);
    const detail = await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status !== 'checking');
    expect(detail.status).toBe('returned');
    const blocks = (detail.findings as Found[]).filter((f) => f.check === check && f.severity === 'block');
    expect(blocks.length).toBeGreaterThan(0);
    // The finding points at the disguised text in the stored source: since issue 9 item 1 that is the canonical form
    // of what was submitted (entities decoded once by the HTML parser, markdown rendered), which every view shares.
    const stored = detail.currentRevision.body as string;
    const expected = format === 'text' ? covers : canonicalise(covers, 'html').body;
    expect(blocks.map((f) => stored.slice(f.source.start, f.source.end))).toContain(expected);
  });
});

describe('bounded findings', () => {
  it('29,000 hits per check: at most N + 1 findings per check, a small detail response, the total in the summary', async () => {
    const REPEATS = 29_000;
    const body = '赌博 13800138000 '.repeat(REPEATS);
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '测试稿件', body, format: 'text' }));
    expect(res.status).toBe(201);
    const detail = await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status !== 'checking', 120_000);
    expect(detail.status).toBe('returned');

    const raw = await ctx.api('r1').get(`/api/drafts/${res.body.id}`);
    expect(raw.status).toBe(200);
    const findings = raw.body.findings as Found[];
    const byCheck = new Map<string, Found[]>();
    for (const f of findings) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
    for (const [check, list] of byCheck) expect({ check, n: list.length <= LIMIT + 1 }).toEqual({ check, n: true });

    const summaryOf = (check: string) => byCheck.get(check)!.find((f) => f.ruleId === `${check}:truncated`)!;
    expect(summaryOf('sensitive')).toMatchObject({ severity: 'block', evidence: { total: REPEATS, shown: LIMIT, omitted: REPEATS - LIMIT } });
    // Secrecy: one personal phone per repeat. Advertising: one mobile per repeat.
    expect(summaryOf('secrecy').evidence).toMatchObject({ total: REPEATS });
    expect(summaryOf('advertising').evidence).toMatchObject({ total: REPEATS });

    // The response carries the body once or twice (current revision) plus at most 6 × (N + 1) findings; without
    // the bound it was 87,000 findings (tens of MB).
    const bytes = Buffer.byteLength(raw.text);
    expect(bytes).toBeLessThan(2 * Buffer.byteLength(body) + 1_500_000);
    const findingBytes = Buffer.byteLength(JSON.stringify(findings));
    expect(findingBytes).toBeLessThan(1_500_000);

    const rows = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM findings f JOIN revisions r ON r.id = f.revision_id WHERE r.draft_id = $1', [res.body.id]);
    expect(rows[0]!.n).toBeLessThanOrEqual(6 * (LIMIT + 1));
  }, 180_000);
});
