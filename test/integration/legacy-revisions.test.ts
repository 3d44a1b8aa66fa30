import { contentHash, type RevisionContent } from '../../src/domain/content';
import { canonicalise, readDoc } from '../../src/shared/document/canonicalise';
import { renderArticle } from '../../src/shared/document/render';
import { completeChecks, currentRevision, decide } from '../helpers/draft-states';
import { seedLegacyDraft, type LegacyDraft } from '../helpers/legacy';
import { createTestContext, type TestContext } from '../helpers/test-context';

/**
 * Issue 9, migration: a revision written before the canonical document model (SQL-seeded as such a database holds
 * it: raw body, no media, no notes, the old hash) keeps its bytes, hash and trail; it is shown, checked, previewed
 * and released through the same read-time canonicalisation; the next edit stores a new, canonical revision.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'r2', 'r3', 'auditor'] });
});
afterAll(async () => {
  await ctx.close();
});

const LEGACY_HTML =
  '<h2>迎新通知</h2>\n<p>欢迎<b>新同学</b>来校报到。<span style="display:none">隐藏的说明</span></p>\n' +
  '<script>alert(1)</script><!-- 编辑备注 -->\n<p>购书请到 <a href="https&colon;//item.taobao.com/item.htm?id=1" title="淘宝">网店</a></p>\n' +
  '<p style="text-align:center;font-family:宋体"><font color="#c00000">报到时间：9月1日</font></p>';
const LEGACY_MARKDOWN = '# 迎新通知\n\n欢迎**新同学**来校报到。<script>alert(1)</script>\n\n- 报到\n- 注册\n';

interface FindingView {
  ruleId: string;
  severity: string;
  message: string;
  matched: string;
  source: { field: string; start: number; end: number };
  revisionId: string;
}

const revisionRow = async (id: string) =>
  (await ctx.superuser<Record<string, unknown>>('SELECT id, number, body, format, content_hash, media, doc_notes, created_at FROM revisions WHERE id = $1', [id]))[0]!;

async function seedAndCheck(body: string, format: 'html' | 'markdown'): Promise<{ legacy: LegacyDraft; before: Record<string, unknown> }> {
  const legacy = await seedLegacyDraft(ctx, { title: '迎新通知', body, format });
  const before = await revisionRow(legacy.revisionId);
  // The pending runs are picked up like any others: the real check engine reads the legacy body.
  await completeChecks(ctx, legacy.draftId);
  return { legacy, before };
}

describe('a revision from before the canonical document model', () => {
  it('is shown as its read-time canonical form: detail keeps the stored bytes, preview and checks read the canonical form', async () => {
    const { legacy, before } = await seedAndCheck(LEGACY_HTML, 'html');
    expect(before.body).toBe(LEGACY_HTML);
    expect([before.media, before.doc_notes]).toEqual([[], []]);
    const canonical = canonicalise(LEGACY_HTML, 'html').body;
    expect(canonical).not.toBe(LEGACY_HTML);

    const d = (await ctx.api('r1').get(`/api/drafts/${legacy.draftId}`)).body;
    // Checks ran on it and it went on to 初审 like any draft.
    expect([d.status, d.stage]).toEqual(['in_review', 'first']);
    // Its history: the stored bytes and the old hash, unchanged.
    expect(d.currentRevision).toMatchObject({ id: legacy.revisionId, number: 1, kind: 'submission', hash: legacy.hash, body: LEGACY_HTML, format: 'html', media: [] });
    expect(d.revisions.map((r: { id: string; hash: string }) => [r.id, r.hash])).toEqual([[legacy.revisionId, legacy.hash]]);

    // The preview is the canonical rendering of the stored body: what the review page shows, and what release hands out.
    const preview = await ctx.api('r1').get(`/api/drafts/${legacy.draftId}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toMatch(/^text\/html/);
    expect(preview.text).toBe(renderArticle({ title: '迎新通知', body: LEGACY_HTML, format: 'html' }).html);
    expect(preview.text).toContain(canonical.trim());
    expect(preview.text).not.toMatch(/<script|alert\(|display:none|<!--|title="淘宝"|&colon;|font-family/);
    // Hidden text is not hidden any more: the reader would see it, so the reviewer does, and the checks read it.
    expect(preview.text).toContain('隐藏的说明');
    expect(preview.text).toContain('<strong>新同学</strong>');
    expect(preview.text).toContain('href="https://item.taobao.com/item.htm?id=1"');
    expect(preview.text).toContain('<p style="text-align:center"><span style="color:#c00000">报到时间：9月1日</span></p>');

    const findings = d.findings as FindingView[];
    expect(findings.every((f) => f.revisionId === legacy.revisionId)).toBe(true);
    // Finding offsets index the canonical form (the review page reads the same form, so highlights stay put).
    const link = findings.find((f) => f.ruleId === 'document:external-link')!;
    expect(link.message).toContain('item.taobao.com');
    expect(canonical.slice(link.source.start, link.source.end)).toBe('https://item.taobao.com/item.htm?id=1');
    const doc = readDoc(LEGACY_HTML, 'html');
    expect(doc.source).toBe(canonical);
    for (const f of findings.filter((x) => x.source.field === 'body' && x.source.end > x.source.start && x.matched && x.ruleId !== 'document:external-link')) {
      expect(canonical.slice(f.source.start, f.source.end)).toContain(f.matched);
    }
    // What reading it drops is reported, as for a new submission (never silent), and says why.
    const removed = findings.filter((f) => f.ruleId === 'document:removed');
    expect(removed).toHaveLength(1);
    expect(removed[0]!.severity).toBe('info');
    expect(removed[0]!.message).toContain('此版本提交于文档规范化之前');
    for (const what of ['<script>', 'HTML 注释', 'display:none', 'title 属性']) expect(removed[0]!.message).toContain(what);

    // The stored row did not move.
    expect(await revisionRow(legacy.revisionId)).toEqual(before);
  });

  it('keeps its trail, which verifies; the next edit writes a new canonical revision and leaves the old one untouched', async () => {
    const { legacy, before } = await seedAndCheck(LEGACY_HTML, 'html');
    const trail = (await ctx.api('auditor').get(`/api/drafts/${legacy.draftId}/trail`)).body;
    const events = (trail.events ?? trail) as Array<{ type: string; seq: number; revisionId: string | null }>;
    expect(events[0]).toMatchObject({ type: 'draft.submitted', seq: 1, revisionId: legacy.revisionId });
    expect(events.map((e) => e.type)).toContain('checks.completed');
    expect((await ctx.api('auditor').get(`/api/drafts/${legacy.draftId}/trail/verify`)).body.ok).toBe(true);

    // The author's next edit: the same raw body, resent (nothing changed on the surface).
    const { version } = await currentRevision(ctx, legacy.draftId);
    const revised = await ctx.api('editor').post(`/api/drafts/${legacy.draftId}/revisions`, { version, title: '迎新通知', body: LEGACY_HTML, format: 'html' });
    expect(revised.status).toBe(201);
    const canonical = canonicalise(LEGACY_HTML, 'html').body;
    const rows = await ctx.superuser<{ id: string; number: number; body: string; content_hash: string; doc_notes: unknown[] }>(
      'SELECT id, number, body, content_hash, doc_notes FROM revisions WHERE draft_id = $1 ORDER BY number',
      [legacy.draftId],
    );
    expect(rows.map((r) => r.number)).toEqual([1, 2]);
    const [old, next] = rows as [(typeof rows)[0], (typeof rows)[0]];
    // The old revision is exactly as seeded; its hash still follows the old rule from its stored bytes.
    expect(await revisionRow(legacy.revisionId)).toEqual(before);
    expect(old.content_hash).toBe(contentHash(legacy.content));
    // The new one stores the canonical form, hashed by the current rule; the hash moved, so review starts again.
    expect(next.body).toBe(canonical);
    const nextContent: RevisionContent = { title: '迎新通知', body: canonical, format: 'html', origin: { kind: 'original' }, assets: [] };
    expect(next.content_hash).toBe(contentHash(nextContent));
    expect(next.content_hash).not.toBe(legacy.hash);
    expect(revised.body.revision?.hash ?? next.content_hash).toBe(next.content_hash);
    expect((next.doc_notes as Array<{ code: string }>).map((n) => n.code)).toEqual(expect.arrayContaining(['element-dropped', 'comment-dropped', 'hidden-style', 'title-dropped']));
    // Canonical now: reading it again is the identity.
    expect(canonicalise(next.body, 'html').body).toBe(next.body);

    await completeChecks(ctx, legacy.draftId);
    const d = (await ctx.api('r1').get(`/api/drafts/${legacy.draftId}`)).body;
    expect(d.currentRevision).toMatchObject({ number: 2, hash: next.content_hash, body: canonical });
    expect(d.revisions.map((r: { number: number; hash: string }) => [r.number, r.hash])).toEqual([
      [1, legacy.hash],
      [2, next.content_hash],
    ]);
    // The stored notes now speak for the new revision (no legacy wording).
    const removed = (d.findings as FindingView[]).filter((f) => f.ruleId === 'document:removed');
    expect(removed).toHaveLength(1);
    expect(removed[0]!.message).not.toContain('此版本提交于文档规范化之前');
    // The preview did not change for a reader: the legacy rendering was already the canonical one.
    const preview = await ctx.api('r1').get(`/api/drafts/${legacy.draftId}/preview`);
    expect(preview.text).toBe(renderArticle({ title: '迎新通知', body: LEGACY_HTML, format: 'html' }).html);
    // The diff between the two is computed and readable.
    const diff = await ctx.api('r1').get(`/api/drafts/${legacy.draftId}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    // The trail grew by the revision and still verifies.
    const after = (await ctx.api('auditor').get(`/api/drafts/${legacy.draftId}/trail`)).body;
    const types = ((after.events ?? after) as Array<{ type: string }>).map((e) => e.type);
    expect(types.length).toBeGreaterThan(events.length);
    expect((await ctx.api('auditor').get(`/api/drafts/${legacy.draftId}/trail/verify`)).body.ok).toBe(true);
  });

  it('a legacy markdown revision mid-review is approved and released under the hash its reviewers saw; /released = /preview', async () => {
    const { legacy } = await seedAndCheck(LEGACY_MARKDOWN, 'markdown');
    const preview = await ctx.api('r3').get(`/api/drafts/${legacy.draftId}/preview`);
    expect(preview.text).toContain('<h1>迎新通知</h1>');
    expect(preview.text).toContain('<strong>新同学</strong>');
    expect(preview.text).toContain('<ul><li>报到</li><li>注册</li></ul>');
    // Markdown never carried raw HTML: the tag is shown as typed text, not run.
    expect(preview.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    await decide(ctx, 'r1', legacy.draftId, 'first');
    await decide(ctx, 'r2', legacy.draftId, 'second');
    await decide(ctx, 'r3', legacy.draftId, 'final');
    const { version } = await currentRevision(ctx, legacy.draftId);
    const released = await ctx.api('editor').post(`/api/drafts/${legacy.draftId}/release`, { version, contentHash: legacy.hash });
    expect(released.status).toBe(200);
    expect(released.body.releasedHash).toBe(legacy.hash);
    expect(released.body.media).toEqual([]);
    const bytes = await ctx.api('editor').get(`/api/drafts/${legacy.draftId}/released`);
    expect(bytes.text).toBe(preview.text);
    const { createHash } = await import('node:crypto');
    expect(released.body.renditionSha256).toBe(createHash('sha256').update(bytes.text, 'utf8').digest('hex'));
    expect((await ctx.api('auditor').get(`/api/drafts/${legacy.draftId}/trail/verify`)).body.ok).toBe(true);
    // The revision stayed the legacy one throughout: stored as markdown, never rewritten.
    expect((await revisionRow(legacy.revisionId)).format).toBe('markdown');
  });
});
