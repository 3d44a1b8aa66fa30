import { parseDictionaries } from '../../../src/checks/dictionary/dictionary';
import { composeSources, listKey, listPath, type OverlayTerm } from '../../../src/checks/dictionary/overlay';
import { createCheckEngine } from '../../../src/checks/engine';
import { rescanPlan, scanForTerms } from '../../../src/services/rescan-dictionary.thread';

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
  ])('maps list id %s to %s and back', (key, path) => {
    expect(listPath(key)).toBe(path);
    expect(listKey(path)).toBe(key);
  });

  it.each(['proofreading.pairs', 'cooccurrence', 'sensitive.Bad', 'sensitive/../x', 'other.x'])('refuses %s', (key) => {
    expect(listPath(key)).toBeUndefined();
  });

  it('takes removed terms out without moving the other lines, and appends added ones', () => {
    const sources = composeSources(BASE, [row({ term: '网赌', state: 'removed' }), row({ term: '赌球', severity: 'block', note: '新增', flags: 'py' })]);
    const d = parseDictionaries(sources);
    const list = d.sensitive[0]!;
    expect(list.label).toBe('赌博');
    expect(list.entries.map((e) => [e.term, e.line, e.severity])).toEqual([
      ['赌博', 2, 'block'],
      ['六合彩', 4, 'block'],
      ['赌球', 6, 'block'],
    ]);
    expect(list.entries[2]!.flags.pinyin).toBe(true);
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
    expect(d.sensitive[0]!.entries.find((e) => e.term === '网赌')).toMatchObject({ severity: 'block', note: '升级', line: 6 });
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
    expect(rescanPlan([{ list: 'whitelist.txt', term: 'x' }, { list: 'advertising/price.txt', term: 'y' }]).checks).toEqual([]);
    expect(rescanPlan([{ list: 'proofreading/banned-names.txt', term: '张某' }]).ruleIds).toEqual(new Set(['proofreading:banned-name:张某']));
  });
});
