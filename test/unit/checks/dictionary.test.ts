import { DictionaryError, formatTermLine, parseDictionaries } from '../../../src/checks/dictionary/dictionary';
import { DICTIONARY_DIR } from './checks.helpers';
import { readDictionaryDir } from '../../../src/services/load-check-engine';

describe('dictionary files', () => {
  it('parses term lists with severity, note, flags and directives', () => {
    const d = parseDictionaries({
      'sensitive/gambling.txt': '# comment\n#! label: 赌博\n#! default-severity: block\n赌博\n博彩\treview\t备注\tpy,seg\n',
      'whitelist.txt': '大麻烦\t误报\n',
    });
    expect(d.sensitive).toHaveLength(1);
    expect(d.sensitive[0]!.label).toBe('赌博');
    expect(d.sensitive[0]!.toEntries().map((e) => [e.term, e.severity, e.note, e.flags.pinyin, e.flags.segment, e.line])).toEqual([
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

  it('checks pairs, name → titles and co-occurrence rules column by column, with line numbers', () => {
    const sources = {
      'proofreading/pairs.txt': ['按装\t安装\t错别字', '中心\t中心区\t自相包含', '既使\t即使\t错别字\tfatal', '#! label: 校对', '截止到\t截至'].join('\n'),
      'proofreading/titles.txt': ['张明远\t党委书记|书记\t示例', '李华清\t校长||党委副书记', '王建国', '张明远\t副校长'].join('\n'),
      'cooccurrence.txt': [
        'loan\tillegal-services\treview\t贷款|借款\t大学生\t10\t校园贷',
        'loan\tillegal-services\treview\t贷款\t学生\t10',
        'Bad id\tdrugs\tblock\t大麻\t出售\t10',
        'r3\tdrugs\t-\t大麻\t出售\t10',
        'r4\tdrugs\tblock\t大麻|出售\t出售\t10',
        'r5\tdrugs\tblock\t大麻\t出售\t1000',
      ].join('\n'),
    };
    let error: DictionaryError | undefined;
    try {
      parseDictionaries(sources);
    } catch (e) {
      error = e as DictionaryError;
    }
    expect(error?.issues.map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([
      'cooccurrence.txt:2: duplicate rule id "loan" (first on line 1)',
      'cooccurrence.txt:3: bad rule id "Bad id" (lower-case letters, digits, . and -)',
      'cooccurrence.txt:4: unknown severity "-" (block, review or info)',
      'cooccurrence.txt:5: "出售" is in both termsA and termsB',
      'cooccurrence.txt:6: window must be an integer between 1 and 500, got "1000"',
      'proofreading/pairs.txt:2: the replacement "中心区" contains the wrong form "中心"',
      'proofreading/pairs.txt:3: unknown severity "fatal" (block, review, info or -)',
      'proofreading/pairs.txt:0: unknown directive "label"',
      'proofreading/titles.txt:2: titles has an empty item (check the | separators)',
      'proofreading/titles.txt:3: expected: name, titles (|-separated), note (TAB-separated)',
      'proofreading/titles.txt:4: duplicate name (first on line 1)',
    ]);
  });

  it('keeps term lists column-wise and builds entry objects on demand; banned names are their own category', () => {
    const d = parseDictionaries({
      'sensitive/gambling.txt': '赌博\tblock\t说明\n博彩\treview\t说明\tpy,weight=2\n',
      'proofreading/banned-names.txt': '#! default-severity: block\n周德厚\t-\t已免职\n',
      'proofreading/titles.txt': '张明远\t党委书记|书记\t示例\n',
    });
    const list = d.sensitive[0]!;
    expect(list.size).toBe(2);
    expect(list.terms).toEqual(['赌博', '博彩']);
    expect(list.entry(1)).toEqual({
      term: '博彩',
      severity: 'review',
      note: '说明',
      flags: { pinyin: true, segment: false, exact: false, weight: 2 },
      category: 'gambling',
      file: 'sensitive/gambling.txt',
      line: 2,
    });
    expect(d.bannedNames.toEntries()).toEqual([expect.objectContaining({ term: '周德厚', severity: 'block', category: 'banned-name', line: 2 })]);
    expect(d.nameTitles).toEqual([{ name: '张明远', titles: ['党委书记', '书记'], note: '示例', file: 'proofreading/titles.txt', line: 1 }]);
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
    expect(d.sensitive[0]!.toEntries()[0]).toMatchObject({ term: '新词', severity: 'block', note: '说明 含制表符', flags: { pinyin: true, weight: 2 } });
  });

  it('the shipped starter dictionaries parse cleanly, with a few hundred terms and 赌博 as block gambling', async () => {
    const d = parseDictionaries(await readDictionaryDir(DICTIONARY_DIR));
    const terms = [...d.sensitive, ...d.secrecy, ...d.advertising, ...d.escalation].reduce((n, l) => n + l.size, 0);
    expect(terms).toBeGreaterThan(300);
    const gambling = d.sensitive.find((l) => l.category === 'gambling');
    expect(gambling?.toEntries().find((e) => e.term === '赌博')?.severity).toBe('block');
    expect(d.sensitive.map((l) => l.category).sort()).toEqual(['drugs', 'gambling', 'illegal-services', 'politics', 'porn', 'religion', 'rumour-safety', 'school-misuse', 'violence-terror', 'vulgar']);
  });
});
