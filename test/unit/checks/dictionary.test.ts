import { DictionaryError, formatTermLine, parseDictionaries } from '../../../src/checks/dictionary/dictionary';
import { readDictionaryDir } from '../../../src/checks/dictionary/load';
import { DICTIONARY_DIR } from './checks.helpers';

describe('dictionary files', () => {
  it('parses term lists with severity, note, flags and directives', () => {
    const d = parseDictionaries({
      'sensitive/gambling.txt': '# comment\n#! label: 赌博\n#! default-severity: block\n赌博\n博彩\treview\t备注\tpy,seg\n',
      'whitelist.txt': '大麻烦\t误报\n',
    });
    expect(d.sensitive).toHaveLength(1);
    expect(d.sensitive[0]!.label).toBe('赌博');
    expect(d.sensitive[0]!.entries.map((e) => [e.term, e.severity, e.note, e.flags.pinyin, e.flags.segment, e.line])).toEqual([
      ['赌博', 'block', '', false, false, 4],
      ['博彩', 'review', '备注', true, true, 5],
    ]);
    expect(d.whitelist.map((w) => w.term)).toEqual(['大麻烦']);
  });

  it('reports every bad line with file and line number, never skipping silently', () => {
    const sources = {
      'sensitive/gambling.txt': '赌博\tblock\n赌博\treview\n博彩\tfatal\n彩票 block 备注\n代投\treview\t\tzz\n***\n',
      'proofreading/pairs.txt': '按装\t安装\t错别字\n按装\t安装\n坏行\n',
      'cooccurrence.txt': 'r1\tdrugs\tblock\t大麻\t出售\tten\tnote\n',
      'unknown.txt': 'x\n',
    };
    let error: unknown;
    try {
      parseDictionaries(sources);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DictionaryError);
    const issues = (error as DictionaryError).issues.map((i) => `${i.file}:${i.line}`);
    expect(issues).toEqual([
      'cooccurrence.txt:1',
      'proofreading/pairs.txt:2',
      'proofreading/pairs.txt:3',
      'sensitive/gambling.txt:2',
      'sensitive/gambling.txt:3',
      'sensitive/gambling.txt:4',
      'sensitive/gambling.txt:5',
      'sensitive/gambling.txt:6',
      'unknown.txt:0',
    ]);
    expect((error as DictionaryError).code).toBe('dictionary_invalid');
    expect((error as DictionaryError).message).toContain('sensitive/gambling.txt:4: looks like space-separated columns');
  });

  it('version is a content hash: same files → same hash, any change → new hash', () => {
    const a = parseDictionaries({ 'sensitive/a.txt': '赌博\tblock\n' });
    const b = parseDictionaries({ 'sensitive/a.txt': '赌博\tblock\n' });
    const c = parseDictionaries({ 'sensitive/a.txt': '赌博\tblock\n博彩\n' });
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.contentHash).not.toBe(c.contentHash);
    expect(a.contentHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('formatTermLine writes a line the parser reads back', () => {
    const line = formatTermLine({ term: '新词', severity: 'block', note: '说明\t含制表符', flags: { pinyin: true, weight: 2 } });
    const d = parseDictionaries({ 'sensitive/new.txt': `${line}\n` });
    expect(d.sensitive[0]!.entries[0]).toMatchObject({ term: '新词', severity: 'block', note: '说明 含制表符', flags: { pinyin: true, weight: 2 } });
  });

  it('the shipped starter dictionaries parse cleanly, with a few hundred terms and 赌博 as block gambling', async () => {
    const d = parseDictionaries(await readDictionaryDir(DICTIONARY_DIR));
    const terms = [...d.sensitive, ...d.secrecy, ...d.advertising, ...d.escalation].reduce((n, l) => n + l.entries.length, 0);
    expect(terms).toBeGreaterThan(300);
    const gambling = d.sensitive.find((l) => l.category === 'gambling');
    expect(gambling?.entries.find((e) => e.term === '赌博')?.severity).toBe('block');
    expect(d.sensitive.map((l) => l.category).sort()).toEqual(
      ['drugs', 'gambling', 'illegal-services', 'politics', 'porn', 'religion', 'rumour-safety', 'school-misuse', 'violence-terror', 'vulgar'],
    );
  });
});
