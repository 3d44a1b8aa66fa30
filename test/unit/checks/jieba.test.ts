import { createCheckEngine } from '../../../src/checks/engine';
import { JIEBA_SEGMENTER, tokenBoundaries } from '../../../src/checks/segmenter';
import type { RevisionContent } from '../../../src/domain/content';
import { join } from 'node:path';
import { readDictionaryDir } from '../../../src/services/load-check-engine';

/** The one unit test file that loads real nodejieba (~1 s, once). */
const doc = (body: string): RevisionContent => ({ title: '稿件', body, format: 'text', origin: { kind: 'original' }, assets: [] });

describe('with nodejieba', () => {
  const engine = createCheckEngine({
    sources: { 'sensitive/illegal-services.txt': '代考\tblock\t\tseg\n', 'escalation/emergency.txt': '火灾\treview\n' },
  });

  it('segment-only terms: 代考 in 代考试点 is not a hit, 代考 as a word is', () => {
    expect(engine.run('sensitive', doc('他参加代考试点的工作')).findings).toEqual([]);
    expect(engine.run('sensitive', doc('我们代考四级')).findings.map((f) => f.matched)).toEqual(['代考']);
  });

  it('下注 is a segment-only term: 以下注册流程 segments as 以下/注册 (issue 11), 在网站下注 is a hit', async () => {
    const shipped = await readDictionaryDir(join(__dirname, '../../../dictionaries')).then((sources) => createCheckEngine({ sources }));
    const hits = (t: string) =>
      shipped
        .run('sensitive', doc(t))
        .findings.filter((f) => f.ruleId === 'sensitive:gambling:下注')
        .map((f) => f.matched);
    expect(hits('请按以下注册流程完成报名。')).toEqual([]);
    expect(hits('他每天在网站下注。')).toEqual(['下注']);
  });

  it('token boundaries tile the window', () => {
    expect([...tokenBoundaries(JIEBA_SEGMENTER, '重大法规')!]).toEqual([0, 2, 4]);
  });

  it('escalation evidence carries jieba keywords', () => {
    const f = engine.run('escalation', doc('学校实验楼发生火灾，消防部门赶赴现场处置，学校启动应急预案。')).findings;
    expect(f[0]!.evidence!.keywords).toEqual(expect.arrayContaining(['实验楼', '消防']));
  });

  it('near-duplicate detection over jieba tokens', () => {
    const ref = '新华社北京9月1日电 教育部近日印发通知，要求各地各校扎实做好秋季学期开学各项工作，加强校园安全管理，做好学生资助工作，确保开学平稳有序。';
    const ctx = { referenceTexts: [{ id: 'r1', label: '参考稿', text: ref }] };
    const copy = doc(`本网讯 教育部近日印发通知，要求各地各校扎实做好秋季学期开学各项工作，加强校园安全管理，做好学生资助工作，确保开学平稳有序。`);
    const f = engine.run('copyright', copy, ctx).findings;
    expect(f.map((x) => x.ruleId)).toEqual(['copyright:near-duplicate']);
    expect(f[0]!.evidence!.similarity).toBeGreaterThan(0.6);
  });
});
