import { createCheckEngine } from '../../../src/checks/engine';
import type { RevisionContent } from '../../../src/domain/content';
import { CLEAN_NEWS, CORPUS, EVASION, OFFICE_NOTICE } from '../../fixtures/checks/corpus';
import { brief, CHAR_SEGMENTER, expectAt, shippedEngine } from './checks.helpers';

const doc = (body: string, title = '标题'): RevisionContent => ({ title, body, format: 'text', origin: { kind: 'original' }, assets: [] });

describe('sensitive check', () => {
  it('finds evasion variants at the original characters (fixture evasion-1)', async () => {
    const engine = await shippedEngine();
    const r = engine.run('sensitive', EVASION.content);
    const c = EVASION.content;
    expect(r.findings.map(brief)).toEqual([
      expectAt(c, '法*轮*功', 'religion', 'block'),
      expectAt(c, '赌 博', 'gambling', 'block'),
      expectAt(c, 'FaLunGong', 'religion', 'block'),
      expectAt(c, '賭博', 'gambling', 'block'),
    ]);
    expect(r.findings.map((f) => f.evidence?.variant)).toEqual(['folded', 'folded', 'pinyin', 'folded']);
    expect(r.findings[0]).toMatchObject({ check: 'sensitive', ruleId: 'sensitive:religion:法轮功', rulesetVersion: engine.version });
    expect(r.findings[0]!.message).toBe('敏感词「法轮功」（邪教与非法宗教活动）：邪教组织');
  });

  it('clean fixtures have no sensitive findings', async () => {
    const engine = await shippedEngine();
    for (const fx of CORPUS.filter((f) => f.label !== 'evasion')) {
      expect({ id: fx.id, findings: engine.run('sensitive', fx.content).findings }).toEqual({ id: fx.id, findings: [] });
    }
    expect(engine.run('sensitive', CLEAN_NEWS.content).findings).toEqual([]);
    expect(engine.run('sensitive', OFFICE_NOTICE.content).findings).toEqual([]);
  });

  it('赌博 is a block finding in category gambling', async () => {
    const engine = await shippedEngine();
    const c = doc('周末一起去赌博，输赢都算我的。');
    expect(engine.run('sensitive', c).findings.map(brief)).toEqual([expectAt(c, '赌博', 'gambling', 'block')]);
    // 校园内严禁赌博 was a block (a false alarm: the rule bans it); since issue 11 it is info with the reason.
    const banned = doc('校园内严禁赌博。');
    const f = engine.run('sensitive', banned).findings;
    expect(f.map(brief)).toEqual([expectAt(banned, '赌博', 'gambling', 'info')]);
    expect(f[0]!.evidence).toMatchObject({ context: { scope: 'sentence', cue: '严禁', from: 'block' } });
    expect(f[0]!.message).toContain('所在句含语境词「严禁」');
  });

  it('co-occurrence rules fire when A and B are within the window, not farther', () => {
    const engine = createCheckEngine({
      sources: { 'cooccurrence.txt': 'answer-sale\tillegal-services\tblock\t答案|真题\t出售|购买\t6\t出售考试答案\n' },
      segmenter: CHAR_SEGMENTER,
    });
    const near = doc('本群出售四六级答案');
    const far = doc('本店出售文具。期末考试结束后将公布参考答案');
    const r = engine.run('sensitive', near);
    expect(r.findings.map(brief)).toEqual([expectAt(near, '出售四六级答案', 'illegal-services', 'block')]);
    expect(r.findings[0]!.ruleId).toBe('cooccurrence:answer-sale');
    expect(engine.run('sensitive', far).findings).toEqual([]);
  });

  it('admin-added categories and whitelist edits take effect in a rebuilt engine (new version)', () => {
    const before = createCheckEngine({ sources: { 'sensitive/gambling.txt': '赌博\tblock\n' }, segmenter: CHAR_SEGMENTER });
    const after = createCheckEngine({
      sources: { 'sensitive/gambling.txt': '赌博\tblock\n', 'sensitive/campus-rumour.txt': '#! label: 校园谣言\n食堂停业\treview\t未经证实\n' },
      segmenter: CHAR_SEGMENTER,
    });
    const c = doc('听说食堂停业了');
    expect(before.run('sensitive', c).findings).toEqual([]);
    expect(after.run('sensitive', c).findings.map(brief)).toEqual([expectAt(c, '食堂停业', 'campus-rumour', 'review')]);
    expect(after.version).not.toBe(before.version);
  });
});
