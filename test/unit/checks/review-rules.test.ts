import { DEFAULT_WAIVER_POLICY, WAIVER_RULES } from '../../../config/waivers';
import { PROOFREAD_BOUND } from '../../../config/review';
import { editMagnitude, proofreadVerdict } from '../../../src/checks/text/edit-magnitude';
import { repostDifference } from '../../../src/checks/rules/repost-fidelity';
import type { RevisionContent } from '../../../src/domain/content';
import { waiverPolicyFor } from '../../../src/domain/waivers';

const config = { rules: WAIVER_RULES, defaults: DEFAULT_WAIVER_POLICY };

describe('waiver policy of a finding (config/waivers.ts)', () => {
  it.each([
    ['密级 marking', { check: 'secrecy', category: 'secrecy.marking', ruleId: 'secrecy:marking', severity: 'block' }, 'never'],
    ['ID number', { check: 'secrecy', category: 'personal.id-card', ruleId: 'personal:id-card', severity: 'block' }, 'never'],
    ['bank card', { check: 'secrecy', category: 'personal.bank-card', ruleId: 'personal:bank-card', severity: 'block' }, 'never'],
    ['politics block', { check: 'sensitive', category: 'politics', ruleId: 'sensitive:politics:x', severity: 'block' }, 'never'],
    ['porn block', { check: 'sensitive', category: 'porn', ruleId: 'sensitive:porn:x', severity: 'block' }, 'never'],
    ['terror block', { check: 'sensitive', category: 'violence-terror', ruleId: 'sensitive:violence-terror:x', severity: 'block' }, 'never'],
    ['politics review', { check: 'sensitive', category: 'politics', ruleId: 'sensitive:politics:y', severity: 'review' }, 'stage'],
    ['ad diversion block', { check: 'advertising', category: 'advertising.diversion', ruleId: 'advertising:diversion', severity: 'block' }, 'propaganda'],
    ['gambling block', { check: 'sensitive', category: 'gambling', ruleId: 'sensitive:gambling:x', severity: 'block' }, 'propaganda'],
    ['exam material review', { check: 'secrecy', category: 'secrecy.exam', ruleId: 'secrecy:exam', severity: 'review' }, 'stage'],
  ])('%s → %s', (_name, finding, policy) => {
    expect(waiverPolicyFor(config, finding).policy).toBe(policy);
  });
});

const content = (over: Partial<RevisionContent> = {}): RevisionContent => ({
  title: '标题',
  body: '我校第五十届秋季田径运动会在东区体育场隆重开幕，来自各学院的两千余名运动员参加比赛。'.repeat(4),
  format: 'markdown',
  origin: { kind: 'original' },
  assets: [],
  ...over,
});

describe('the proofreading bound', () => {
  const verdict = (a: RevisionContent, b: RevisionContent) => proofreadVerdict(editMagnitude(a, b), PROOFREAD_BOUND);

  it('counts the characters actually changed, also in repetitive text', () => {
    const a = content();
    expect(editMagnitude(a, { ...a, body: a.body.replace('隆重', '正式') }).charsChanged).toBe(2);
    expect(verdict(a, { ...a, body: a.body.replace('隆重', '正式') })).toMatchObject({ exceeded: false, limit: 50 });
  });

  it('uses the larger of 50 characters and 5 % of the text', () => {
    const long = content({ body: '校园新闻。'.repeat(400) }); // 2,000 characters → limit 100
    const edit = { ...long, body: 'X'.repeat(80) + long.body.slice(80) };
    expect(verdict(long, edit)).toMatchObject({ exceeded: false, limit: 100, charsChanged: 80 });
    const more = { ...long, body: 'X'.repeat(120) + long.body.slice(120) };
    expect(verdict(long, more)).toMatchObject({ exceeded: true, reasons: ['chars'] });
  });

  it.each<[string, (c: RevisionContent) => RevisionContent, string]>([
    ['a link', (c) => ({ ...c, body: `${c.body}[链接](https://example.edu.cn/a)` }), 'links'],
    ['a link target', (c) => ({ ...c, body: `${c.body}[链接](https://example.edu.cn/a)` }), 'links'],
    // Issue 9: images are uploaded media referenced by hash (external images are refused at submission).
    ['an image in the body', (c) => ({ ...c, body: `${c.body}\n\n![图](media:${'b'.repeat(64)})` }), 'images'],
    ['an image asset', (c) => ({ ...c, assets: [{ kind: 'image', name: 'a.jpg', licence: 'own_work' }] }), 'images'],
    ['the title', (c) => ({ ...c, title: '新标题' }), 'title'],
    ['the origin', (c) => ({ ...c, origin: { kind: 'repost', sourceName: '新华社' } }), 'origin'],
  ])('any change to %s restarts review', (_name, change, reason) => {
    const a = content();
    expect(verdict(a, change(a)).reasons).toContain(reason);
  });

  it('the same picture with other bytes (another media hash) restarts review', () => {
    const a = content({ format: 'html', body: `<p>校园</p><p><img src="media:${'a'.repeat(64)}" alt="图"></p>` });
    expect(verdict(a, { ...a, body: a.body.replace('a'.repeat(64), 'c'.repeat(64)) })).toMatchObject({ exceeded: true, reasons: ['images'], charsChanged: 0 });
  });

  it('a changed link target in HTML counts as a link change even with the same text', () => {
    const a = content({ format: 'html', body: '<p>详见<a href="https://example.edu.cn/a">通知</a></p>' });
    expect(verdict(a, { ...a, body: '<p>详见<a href="https://evil.example.com/a">通知</a></p>' })).toMatchObject({ exceeded: true, reasons: ['links'], charsChanged: 0 });
  });
});

describe('repost against its original text', () => {
  const original = '新华社北京11月20日电 教育部近日印发通知，要求各地做好2027届高校毕业生就业工作。';
  it.each([
    ['identical', original],
    ['other punctuation and spaces', '新华社北京11月20日电：教育部近日印发通知,要求各地做好 2027 届高校毕业生就业工作！'],
    ['full-width digits and line breaks', '新华社北京１１月２０日电\n教育部近日印发通知，\n要求各地做好２０２７届高校毕业生就业工作。'],
  ])('%s reads the same', (_name, body) => {
    expect(repostDifference(body, original)).toBeUndefined();
  });
  it.each([
    ['a changed word', original.replace('就业', '招生'), 2],
    ['an added sentence', `${original}本校将认真落实。`, 6],
    ['a dropped clause', original.replace('要求各地做好2027届高校毕业生就业工作', ''), 17],
  ])('%s is a difference, located in the body', (_name, body, differing) => {
    const d = repostDifference(body, original)!;
    expect(d).toBeDefined();
    expect(d.differing).toBeGreaterThanOrEqual(differing);
    expect(d.start).toBeGreaterThanOrEqual(0);
    expect(d.end).toBeLessThanOrEqual(body.length);
  });
});
