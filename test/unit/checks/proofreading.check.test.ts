import { createCheckEngine } from '../../../src/checks/engine';
import { canonicalise } from '../../../src/shared/document/canonicalise';
import type { RevisionContent } from '../../../src/domain/content';
import { CLEAN_NEWS, PROOFREADING } from '../../fixtures/checks/corpus';
import { brief, CHAR_SEGMENTER, expectAt, shippedEngine } from './checks.helpers';

const doc = (body: string, title = '标题'): RevisionContent => ({ title, body, format: 'text', origin: { kind: 'original' }, assets: [] });

describe('proofreading check', () => {
  it('wrong title next to a listed name, half-width comma, 错别字, unbalanced 《 (fixture proofreading-1)', async () => {
    const engine = await shippedEngine();
    const c = PROOFREADING.content;
    const r = engine.run('proofreading', c);
    expect(r.findings.map(brief)).toEqual([
      expectAt(c, '副校长', 'proofreading.title', 'review'),
      expectAt(c, ',', 'proofreading.punctuation', 'info'),
      // An always-wrong 成语 is review since issue 11 (it was info: every 错别字 pair was a mere hint).
      expectAt(c, '再接再励', 'proofreading.wording', 'review'),
      expectAt(c, '《', 'proofreading.brackets', 'info'),
    ]);
    expect(r.findings.map((f) => f.suggestion)).toEqual(['校长', '，', '再接再厉', undefined]);
    expect(r.findings[2]!.message).toBe('「再接再励」应为「再接再厉」：成语');
  });

  it('correct titles and balanced punctuation pass (clean news)', async () => {
    const engine = await shippedEngine();
    const findings = engine.run('proofreading', CLEAN_NEWS.content).findings;
    // The fixture is stored as raw markdown, i.e. a revision from before the canonical model: read canonically, its
    // `![](opening-ceremony.jpg)` (not an uploaded file) is not shown, and that is the one thing reported.
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['document:removed', 'info']]);
    expect(findings[0]!.message).toContain('此版本提交于文档规范化之前');
    expect(findings[0]!.message).toContain('opening-ceremony.jpg');
    // Canonicalised as a submission would store it, the same text raises no proofreading finding of its own.
    const stored = canonicalise(CLEAN_NEWS.content.body, 'markdown');
    const fresh = engine.run('proofreading', { ...CLEAN_NEWS.content, body: stored.body, format: 'html', notes: stored.notes }).findings;
    expect(fresh.filter((f) => f.ruleId !== 'document:removed')).toEqual([]);
  });

  it('short forms of a held title are accepted, a 副 mismatch is not', async () => {
    const engine = await shippedEngine();
    expect(engine.run('proofreading', doc('书记张明远出席。副书记李华清讲话。')).findings).toEqual([]);
    const c = doc('书记李华清讲话。');
    expect(engine.run('proofreading', c).findings.map(brief)).toEqual([expectAt(c, '书记', 'proofreading.title', 'review')]);
  });

  it('name → title pairs come from the titles dictionary, with the held title as the suggestion', () => {
    const engine = createCheckEngine({ sources: { 'proofreading/titles.txt': '赵一鸣\t副校长|校长助理\t虚构\n' }, segmenter: CHAR_SEGMENTER });
    const c = doc('校长赵一鸣出席。校长助理赵一鸣讲话。');
    const r = engine.run('proofreading', c);
    expect(r.findings.map(brief)).toEqual([expectAt(c, '校长', 'proofreading.title', 'review')]);
    expect(r.findings[0]).toMatchObject({ suggestion: '副校长', ruleId: 'proofreading:title:赵一鸣', evidence: { list: 'proofreading/titles.txt:1' } });
    expect(createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER }).run('proofreading', c).findings).toEqual([]);
  });

  it('unmatched closers and unclosed openers are reported per paragraph', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const c = doc('他说：“好的）。\n（一）《办法》');
    expect(engine.run('proofreading', c).findings.map(brief)).toEqual([
      expectAt(c, '“', 'proofreading.brackets', 'info'),
      expectAt(c, '）', 'proofreading.brackets', 'info'),
    ]);
  });

  it('half-width punctuation is left alone in Latin text, numbers and times', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    expect(engine.run('proofreading', doc('Hello, world. 时间为10:30，成绩3.5分，网址 www.example.edu.cn。')).findings).toEqual([]);
  });

  it('banned names block, through noise too', () => {
    const engine = createCheckEngine({ sources: { 'proofreading/banned-names.txt': '#! default-severity: block\n周德厚\t-\t已免职\n' }, segmenter: CHAR_SEGMENTER });
    const c = doc('会议由周 德厚主持');
    expect(engine.run('proofreading', c).findings.map(brief)).toEqual([expectAt(c, '周 德厚', 'proofreading.banned-name', 'block')]);
  });
});
