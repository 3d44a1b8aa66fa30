import { createCheckEngine } from '../../../src/checks/engine';
import type { RevisionContent } from '../../../src/domain/content';
import { CLEAN_NEWS, REPOST_BAD, REPOST_OK } from '../../fixtures/checks/corpus';
import { CHAR_SEGMENTER, shippedEngine } from './checks.helpers';

const rules = (c: RevisionContent, engine: ReturnType<typeof createCheckEngine>, ctx = {}) => engine.run('copyright', c, ctx).findings.map((f) => [f.ruleId, f.severity, f.evidence?.field]);

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

  it('sees through reordered sentences and rewritten words (character 3-grams), not through a different report', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const ref = [
      '11月20日下午，计算机学院在学术报告厅举办人工智能前沿学术报告会，师生百余人参加。',
      '报告会邀请国内知名专家围绕大模型的最新研究进展作专题报告，内容丰富、案例生动。',
      '与会师生纷纷表示收获颇丰，希望学院今后多组织此类学术交流活动。',
    ];
    const ctx = { referenceTexts: [{ id: 'rel-2', label: '人工智能学术报告会', text: ref.join('') }] };
    const doc = (body: string): RevisionContent => ({ ...CLEAN_NEWS.content, format: 'text', title: '学术报告会', body });
    const similarity = (body: string) => engine.run('copyright', doc(body), ctx).findings.find((f) => f.ruleId === 'copyright:near-duplicate')?.evidence?.similarity;
    // Sentences reordered, and about one character in seven rewritten (举办→召开, 百余→一百多, 知名→著名 …).
    const reordered = [ref[1], ref[0], ref[2]].join('');
    const rewritten =
      '11月20日下午，计算机学院在学术报告厅召开人工智能前沿学术报告会，师生一百多人参加。报告会请来国内著名专家围绕大模型的最新研究成果作专题报告，内容丰富、例子生动。与会师生都表示收获很大，希望学院以后多组织这样的学术交流活动。';
    expect(similarity(reordered)).toBeGreaterThan(0.8);
    expect(similarity(rewritten)).toBeGreaterThanOrEqual(0.4);
    const unrelated = '11月22日上午，机械工程学院在行政楼第一会议室召开本科教学工作推进会，各系主任和教师代表参加。会议总结了期中教学检查情况，部署了课程考核和毕业设计等重点工作。';
    expect(similarity(unrelated)).toBeUndefined();
  });
});
