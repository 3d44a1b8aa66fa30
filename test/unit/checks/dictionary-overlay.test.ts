import { parseDictionaries } from '../../../src/checks/dictionary/dictionary';
import { composeSources, decodeFields, encodeFields, formatOverlayLine, listKey, listPath, type OverlayTerm } from '../../../src/checks/dictionary/overlay';
import { createCheckEngine } from '../../../src/checks/engine';
import { rescanPlan, scanForTerms } from '../../../src/threads/rescan-dictionary.thread';

const BASE = {
  'sensitive/gambling.txt': '#! label: 赌博\n赌博\tblock\n网赌\treview\n六合彩\tblock\n',
  'whitelist.txt': '赌博危害\t宣传用语\n',
};
const row = (over: Partial<OverlayTerm>): OverlayTerm => ({ list: 'sensitive/gambling.txt', term: 'x', state: 'added', severity: '-', note: '', flags: '', ...over });

describe('dictionary overlay', () => {
  it.each([
    ['sensitive.politics', 'sensitive/politics.txt'],
    ['secrecy.internal', 'secrecy/internal.txt'],
    ['proofreading.banned-names', 'proofreading/banned-names.txt'],
    ['whitelist', 'whitelist.txt'],
    ['proofreading.pairs', 'proofreading/pairs.txt'],
    ['proofreading.titles', 'proofreading/titles.txt'],
    ['cooccurrence', 'cooccurrence.txt'],
  ])('maps list id %s to %s and back', (key, path) => {
    expect(listPath(key)).toBe(path);
    expect(listKey(path)).toBe(key);
  });

  it.each(['proofreading.other', 'sensitive.Bad', 'sensitive/../x', 'other.x', 'cooccurrence.x'])('refuses %s', (key) => {
    expect(listPath(key)).toBeUndefined();
  });

  it('keeps the extra columns of pairs, titles and co-occurrence rules in flags, and writes lines the parser reads back', () => {
    const pair = row({ list: 'proofreading/pairs.txt', term: '按装', severity: 'review', note: '错别字', flags: encodeFields({ right: '安装' }) });
    const titles = row({ list: 'proofreading/titles.txt', term: '赵一鸣', note: '虚构', flags: encodeFields({ titles: '副校长|校长助理' }) });
    const rule = row({
      list: 'cooccurrence.txt',
      term: 'loan-ad',
      severity: 'block',
      note: '校园贷',
      flags: encodeFields({ category: 'illegal-services', termsA: '贷款|借款', termsB: '大学生', window: '12' }),
    });
    expect(formatOverlayLine(pair)).toBe('按装\t安装\t错别字\treview');
    expect(formatOverlayLine(titles)).toBe('赵一鸣\t副校长|校长助理\t虚构');
    expect(formatOverlayLine(rule)).toBe('loan-ad\tillegal-services\tblock\t贷款|借款\t大学生\t12\t校园贷');
    expect(decodeFields('right=a=b\tx=1')).toEqual({ right: 'a=b', x: '1' });
    const d = parseDictionaries(composeSources({}, [pair, titles, rule]));
    expect(d.proofreadingPairs).toEqual([expect.objectContaining({ wrong: '按装', right: '安装', severity: 'review', line: 2 })]);
    expect(d.nameTitles).toEqual([expect.objectContaining({ name: '赵一鸣', titles: ['副校长', '校长助理'], line: 2 })]);
    expect(d.cooccurrence).toEqual([expect.objectContaining({ id: 'loan-ad', category: 'illegal-services', termsA: ['贷款', '借款'], termsB: ['大学生'], window: 12 })]);
  });

  it('a row missing a column composes into a line the parser rejects, never a guessed one', () => {
    expect(() => parseDictionaries(composeSources({}, [row({ list: 'proofreading/pairs.txt', term: '按装', flags: '' })]))).toThrow(/proofreading\/pairs.txt:2: empty replacement/);
  });

  it('takes removed terms out without moving the other lines, and appends added ones', () => {
    const sources = composeSources(BASE, [row({ term: '网赌', state: 'removed' }), row({ term: '赌球', severity: 'block', note: '新增', flags: 'py' })]);
    const d = parseDictionaries(sources);
    const list = d.sensitive[0]!;
    expect(list.label).toBe('赌博');
    expect(list.toEntries().map((e) => [e.term, e.line, e.severity])).toEqual([
      ['赌博', 2, 'block'],
      ['六合彩', 4, 'block'],
      ['赌球', 6, 'block'],
    ]);
    expect(list.toEntries()[2]!.flags.pinyin).toBe(true);
    expect(parseDictionaries(sources).contentHash).not.toBe(parseDictionaries(BASE).contentHash);
  });

  it('keeps the version when an overlay row changes nothing, and creates new lists', () => {
    expect(composeSources(BASE, [row({ term: '不存在', state: 'removed' })])).toEqual(BASE);
    const sources = composeSources(BASE, [row({ list: 'sensitive/campus.txt', term: '新词' }), row({ list: 'whitelist.txt', term: '网赌危害', note: '宣传' })]);
    const d = parseDictionaries(sources);
    expect(d.sensitive.map((l) => l.category)).toEqual(['campus', 'gambling']);
    expect(d.whitelist.map((w) => w.term)).toEqual(['赌博危害', '网赌危害']);
  });

  it('re-adding a removed baseline term overrides its line', () => {
    const d = parseDictionaries(composeSources(BASE, [row({ term: '网赌', severity: 'block', note: '升级' })]));
    expect(d.sensitive[0]!.toEntries().find((e) => e.term === '网赌')).toMatchObject({ severity: 'block', note: '升级', line: 6 });
  });
});

describe('rescan plan', () => {
  it('runs only the owning checks and keeps only findings of the new terms', () => {
    const sources = composeSources(BASE, [row({ term: '赌球', severity: 'block' })]);
    const engine = createCheckEngine({ sources });
    const plan = rescanPlan([{ list: 'sensitive/gambling.txt', term: '赌球' }]);
    expect(plan.checks).toEqual(['sensitive']);
    const content = { title: '通报', body: '严禁赌博，严禁赌*球。', format: 'text' as const, origin: { kind: 'original' as const }, assets: [] };
    expect(scanForTerms(engine, plan, content).map((f) => [f.ruleId, f.matched])).toEqual([['sensitive:gambling:赌球', '赌*球']]);
    expect(
      rescanPlan([
        { list: 'whitelist.txt', term: 'x' },
        { list: 'advertising/price.txt', term: 'y' },
      ]).checks,
    ).toEqual([]);
    expect(rescanPlan([{ list: 'proofreading/banned-names.txt', term: '张某' }]).ruleIds).toEqual(new Set(['proofreading:banned-name:张某']));
    expect(rescanPlan([{ list: 'cooccurrence.txt', term: 'loan-ad' }])).toEqual({ checks: ['sensitive'], ruleIds: new Set(['cooccurrence:loan-ad']) });
  });
});
