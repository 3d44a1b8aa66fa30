import { canonicalise } from '../../../src/shared/document/canonicalise';
import { createCheckEngine } from '../../../src/checks/engine';
import { idCardCheckChar, isValidIdCard, luhnValid } from '../../../src/checks/rules/validators';
import type { RevisionContent } from '../../../src/domain/content';
import { CLASSIFIED, CLEAN_NEWS, OFFICE_NOTICE, PERSONAL_DATA, PERSONNEL_NOTICE } from '../../fixtures/checks/corpus';
import { brief, CHAR_SEGMENTER, expectAt, shippedEngine } from './checks.helpers';

const doc = (body: string, title = '标题'): RevisionContent => ({ title, body, format: 'text', origin: { kind: 'original' }, assets: [] });

describe('secrecy check', () => {
  it('涉密 meeting minutes: marking and document number block, internal and personnel phrases review', async () => {
    const engine = await shippedEngine();
    const c = CLASSIFIED.content;
    expect(engine.run('secrecy', c).findings.map(brief)).toEqual([
      expectAt(c, '会议纪要', 'secrecy.internal', 'review'),
      expectAt(c, '机密★1年', 'secrecy.marking', 'block'),
      expectAt(c, '示大党办〔2025〕12号', 'secrecy.document-number', 'block'),
      expectAt(c, '干部调整方案', 'secrecy.personnel', 'review'),
      expectAt(c, '拟任', 'secrecy.personnel', 'review'),
      expectAt(c, '仅供内部', 'secrecy.internal', 'review'),
      expectAt(c, '内部传阅', 'secrecy.internal', 'review'),
      expectAt(c, '不得外传', 'secrecy.internal', 'review'),
    ]);
  });

  it.each([['机密★'], ['秘密★1年'], ['绝密'], ['★机密'], ['密级：秘密'], ['保密期限：10年'], ['机密级'], ['绝密★长期']])('密级 marking %s → block', (marking) => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const c = doc(`${marking}\n正文`);
    const f = engine.run('secrecy', c).findings;
    expect(f.map(brief)).toEqual([expectAt(c, marking, 'secrecy.marking', 'block')]);
  });

  it('markings work through HTML entities and full-width characters', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    // Offsets index the canonical form (issue 9): the entity is decoded once, at submission.
    const body = canonicalise('<p>机密&#9733;１年</p>', 'html').body;
    expect(body).toBe('<p>机密★１年</p>\n');
    const f = engine.run('secrecy', { ...doc(''), body, format: 'html' }).findings;
    expect(f.map((x) => [x.category, x.severity, x.matched, x.source])).toEqual([['secrecy.marking', 'block', '机密★１年', { field: 'body', start: 3, end: 8 }]]);
  });

  it('ordinary uses of 秘密 / 机密 are not markings', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    expect(engine.run('secrecy', doc('青春的秘密在于奋斗，保护商业机密是企业的责任。')).findings).toEqual([]);
  });

  it('personnel language inside a 任前公示 is fine', async () => {
    const engine = await shippedEngine();
    expect(engine.run('secrecy', PERSONNEL_NOTICE.content).findings).toEqual([]);
    expect(engine.run('secrecy', CLEAN_NEWS.content).findings).toEqual([]);
    expect(engine.run('secrecy', OFFICE_NOTICE.content).findings).toEqual([]);
  });

  it('document numbers only count in an internal context', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    expect(engine.run('secrecy', doc('根据《教育部关于做好招生工作的通知》（教学〔2025〕3号）要求，现将有关事项通知如下。')).findings).toEqual([]);
    const c = doc('现将会议精神传达如下（校办〔2025〕7号）');
    expect(engine.run('secrecy', c).findings.map(brief)).toEqual([expectAt(c, '校办〔2025〕7号', 'secrecy.document-number', 'review')]);
  });

  it('personal data: valid ID and bank card block, a mistyped ID after 身份证号 review, student number and mobile in a 名单 review', async () => {
    const engine = await shippedEngine();
    const c = PERSONAL_DATA.content;
    const r = engine.run('secrecy', c);
    expect(r.findings.map(brief)).toEqual([
      expectAt(c, '2023010123', 'personal.student-number', 'review'),
      expectAt(c, '11010519491231002X', 'personal.id-card', 'block'),
      expectAt(c, '6222 0202 0000 0000 006', 'personal.bank-card', 'block'),
      expectAt(c, '13812345678', 'personal.phone', 'review'),
      // Was ignored (a miss, issue 11): one wrong check digit right after 身份证号 is still someone's ID number.
      expectAt(c, '110105194912310021', 'personal.id-card', 'review'),
    ]);
    // The message never repeats the whole number; the suggestion is the masked form.
    expect(r.findings[1]!.message).not.toContain('11010519491231002X');
    expect(r.findings[1]!.suggestion).toBe('110105********002X');
  });

  it('exam material before the exam → review', () => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const c = doc('附件：2025年秋季学期期末考试高等数学试卷及答案');
    expect(engine.run('secrecy', c).findings.map(brief)).toEqual([expectAt(c, '期末考试高等数学试卷', 'secrecy.exam', 'review')]);
  });
});

describe('validators', () => {
  it('GB 11643 check digit', () => {
    expect(idCardCheckChar('11010519491231002')).toBe('X');
    expect(isValidIdCard('11010519491231002X')).toBe(true);
    expect(isValidIdCard('110105194912310021')).toBe(false);
    expect(isValidIdCard('11010519491331002X')).toBe(false); // month 13
    expect(isValidIdCard('99010519491231002X')).toBe(false); // no such region
  });
  it('Luhn', () => {
    expect(luhnValid('6222020200000000006')).toBe(true);
    expect(luhnValid('6222020200000000007')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
  });
});
