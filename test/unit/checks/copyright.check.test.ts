import { createCheckEngine } from '../../../src/checks/engine';
import type { RevisionContent } from '../../../src/domain/content';
import { CLEAN_NEWS, REPOST_BAD, REPOST_OK } from '../../fixtures/checks/corpus';
import { CHAR_SEGMENTER, shippedEngine } from './checks.helpers';

const rules = (c: RevisionContent, engine: ReturnType<typeof createCheckEngine>, ctx = {}) =>
  engine.run('copyright', c, ctx).findings.map((f) => [f.ruleId, f.severity, f.evidence?.field]);

describe('copyright check', () => {
  it('a properly attributed repost from a whitelisted source passes', async () => {
    const engine = await shippedEngine();
    expect(engine.run('copyright', REPOST_OK.content).findings).toEqual([]);
    expect(engine.run('copyright', CLEAN_NEWS.content).findings).toEqual([]);
  });

  it('a repost without attribution, from a non-whitelisted source, with an altered title and unlicensed assets', async () => {
    const engine = await shippedEngine();
    const r = engine.run('copyright', REPOST_BAD.content);
    expect(r.findings.map((f) => [f.ruleId, f.severity, f.evidence?.field, f.start, f.end])).toEqual([
      ['copyright:asset-unlicensed', 'block', 'assets[0]', 0, 0],
      ['copyright:font-unlicensed', 'block', 'assets[1]', 0, 0],
      ['copyright:missing-originalAuthor', 'block', 'origin.originalAuthor', 0, 0],
      ['copyright:source-not-whitelisted', 'block', 'origin.sourceName', 0, 0],
      ['copyright:title-altered', 'block', 'title', 0, REPOST_BAD.content.title.length],
    ]);
    expect(r.findings[4]!.source).toEqual({ field: 'title', start: 0, end: REPOST_BAD.content.title.length });
  });

  it('source name and URL domain must belong to the same whitelisted source', async () => {
    const engine = await shippedEngine();
    const c: RevisionContent = { ...REPOST_OK.content, origin: { ...REPOST_OK.content.origin, sourceUrl: 'https://www.people.com.cn/n1/x.html' } };
    expect(rules(c, engine)).toEqual([['copyright:source-domain-mismatch', 'review', 'origin.sourceUrl']]);
    const gov: RevisionContent = { ...REPOST_OK.content, origin: { ...REPOST_OK.content.origin, sourceName: '政府网站', sourceUrl: 'http://jyt.zj.gov.cn/a.html' } };
    expect(rules(gov, engine)).toEqual([]);
  });

  it('repost decorations in the title are not an alteration; a missing original title asks for review', async () => {
    const engine = await shippedEngine();
    const decorated: RevisionContent = { ...REPOST_OK.content, title: `【转载】${REPOST_OK.content.title}` };
    expect(rules(decorated, engine)).toEqual([]);
    const noTitle: RevisionContent = { ...REPOST_OK.content, origin: { ...REPOST_OK.content.origin, originalTitle: undefined } };
    expect(rules(noTitle, engine)).toEqual([['copyright:missing-original-title', 'review', 'origin.originalTitle']]);
  });

  it('licensed assets without a holder → review; licensed fonts pass', async () => {
    const engine = await shippedEngine();
    const c: RevisionContent = {
      ...CLEAN_NEWS.content,
      assets: [
        { kind: 'video', name: 'intro.mp4', licence: 'licensed' },
        { kind: 'font', name: '思源黑体', licence: 'licensed', holder: 'Adobe/Google' },
        { kind: 'audio', name: 'bgm.mp3', licence: 'public_domain' },
      ],
    };
    expect(rules(c, engine)).toEqual([['copyright:asset-holder-missing', 'review', 'assets[0]']]);
  });

  it('near-duplicate of a reference text (declared original) → review naming the match', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const ref = '新华社北京9月1日电 教育部近日印发通知，要求各地各校扎实做好秋季学期开学各项工作，加强校园安全管理，做好学生资助工作，确保开学平稳有序。';
    const copy: RevisionContent = { ...CLEAN_NEWS.content, format: 'text', title: '开学工作', body: `本网讯 ${ref.slice(12)}` };
    const other: RevisionContent = { ...copy, body: '今天学校运动会开幕，同学们在田径场上奋力拼搏，展现了青春风采和团结精神，比赛持续三天。' };
    const ctx = { referenceTexts: [{ id: 'rel-1', label: '教育部部署开学工作（2025-09-01）', text: ref }] };
    const f = engine.run('copyright', copy, ctx).findings;
    expect(f.map((x) => [x.ruleId, x.severity, x.evidence?.referenceId])).toEqual([['copyright:near-duplicate', 'review', 'rel-1']]);
    expect(f[0]!.evidence!.similarity).toBeGreaterThan(0.5);
    expect(engine.run('copyright', other, ctx).findings).toEqual([]);
    // A repost of it is attributed, not a plagiarism suspect.
    expect(engine.run('copyright', { ...copy, origin: REPOST_OK.content.origin, title: REPOST_OK.content.title }, ctx).findings).toEqual([]);
  });
});
