import fc from 'fast-check';
import { applyChanges, compareFindings, diffContent, diffText, type ComparableFinding, type TextChange } from '../../../src/domain/diff';

/** Changes are sorted, disjoint, exact and well-formed UTF-16, with `at` consistent with `start`. */
function expectValid(before: string, after: string, changes: TextChange[]): void {
  expect(applyChanges(before, changes)).toBe(after);
  let lastEnd = -1;
  let shift = 0;
  for (const c of changes) {
    expect(c.start).toBeGreaterThan(lastEnd);
    expect(before.slice(c.start, c.start + c.removed.length)).toBe(c.removed);
    expect(after.slice(c.at, c.at + c.inserted.length)).toBe(c.inserted);
    expect(c.at).toBe(c.start + shift);
    expect(c.removed.length + c.inserted.length).toBeGreaterThan(0);
    expect(c.removed.isWellFormed() && c.inserted.isWellFormed()).toBe(true);
    shift += c.inserted.length - c.removed.length;
    lastEnd = c.start + c.removed.length;
  }
}

/** A deterministic pseudo-random Chinese text of `n` characters in paragraphs. */
function prose(n: number, seed: number): string {
  const chars = '我校举办第五十届秋季田径运动会在东区体育场开幕师生参加活动学院报告厅学术交流合作研究成果发展建设';
  let x = seed;
  let out = '';
  while (out.length < n) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += chars[x % chars.length];
    if (x % 23 === 0) out += '。';
    if (x % 211 === 0) out += '\n\n';
  }
  return out.slice(0, n);
}

describe('diffText', () => {
  it('reports nothing for equal texts', () => {
    expect(diffText('body', '同一段文字', '同一段文字')).toEqual([]);
  });

  it('reports one character replaced where it is', () => {
    expect(diffText('body', '运动员们再接再励，勇创佳绩。', '运动员们再接再厉，勇创佳绩。')).toEqual([{ field: 'body', start: 7, at: 7, removed: '励', inserted: '厉' }]);
  });

  it('finds separate edits in separate places instead of one window spanning both', () => {
    const before = '第一段：校领导出席开幕式并致辞。\n第二段：运动员们再接再励。\n第三段：比赛持续三天。\n';
    const after = '第一段：学校领导出席开幕式并致辞。\n第二段：运动员们再接再厉。\n第三段：比赛持续三天。\n第四段：新增。\n';
    const changes = diffText('body', before, after);
    expectValid(before, after, changes);
    expect(changes.map((c) => [c.removed, c.inserted])).toEqual([
      ['', '学'],
      ['励', '厉'],
      ['', '第四段：新增。\n'],
    ]);
  });

  it('keeps a few scattered edits in a 100k-character text as a few small changes', () => {
    const before = prose(100_000, 7);
    const edits: Array<[number, string]> = [
      [1_000, '【甲】'],
      [40_000, '【乙】'],
      [99_000, '【丙】'],
    ];
    let after = before;
    for (const [at, text] of [...edits].reverse()) after = after.slice(0, at) + text + after.slice(at + 2);
    const changes = diffText('body', before, after);
    expectValid(before, after, changes);
    expect(changes).toHaveLength(3);
    for (const c of changes) expect(c.removed.length + c.inserted.length).toBeLessThanOrEqual(8);
  });

  it('stays exact when two 100k-character texts share nothing (the budget makes it coarse, not wrong)', () => {
    const before = prose(100_000, 1);
    const after = prose(100_000, 2);
    expectValid(before, after, diffText('body', before, after));
    const tight = diffText('body', before, after, { budget: 10_000 });
    expectValid(before, after, tight);
  });

  it('never splits a surrogate pair', () => {
    expectValid('表情😀结束', '表情😁结束', diffText('body', '表情😀结束', '表情😁结束'));
    expect(diffText('body', '表情😀结束', '表情😁结束')).toEqual([{ field: 'body', start: 2, at: 2, removed: '😀', inserted: '😁' }]);
    // Same low half, different high half.
    const a = 'x\u{1F600}y';
    const b = 'x\u{1FA00}y';
    expect(diffText('body', a, b)).toEqual([{ field: 'body', start: 1, at: 1, removed: '\u{1F600}', inserted: '\u{1FA00}' }]);
  });

  it('is exact and well-formed for any pair of texts', () => {
    const alphabet = fc.constantFrom('a', 'b', '校', '。', '\n', '😀', '😁', '>', ' ');
    const text = fc.array(alphabet, { maxLength: 60 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 1, max: 2_000 }), (before, after, budget) => {
        expectValid(before, after, diffText('body', before, after));
        expectValid(before, after, diffText('body', before, after, { budget }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('diffContent', () => {
  it('diffs title and body and names the other parts that changed', () => {
    const base = { title: '标题', body: '正文', format: 'markdown' as const, origin: { kind: 'original' as const }, assets: [] };
    const diff = diffContent(base, { ...base, title: '新标题', origin: { kind: 'repost', sourceName: '新华社' } });
    expect(diff.changes).toEqual([{ field: 'title', start: 0, at: 0, removed: '', inserted: '新' }]);
    expect(diff.changedFields).toEqual(['origin']);
  });
});

describe('compareFindings', () => {
  const f = (id: string, matched: string, over: Partial<ComparableFinding> = {}) => ({ id, checkId: 'proofreading', ruleId: 'typo', matched, waived: false, ...over });

  it('pairs findings by check, rule and matched text, not by offset', () => {
    const from = [f('a1', '再接再励'), f('a2', '再接再励'), f('a3', '内部资料'), f('a4', '机密', { checkId: 'secrecy', ruleId: 'marking' })];
    const to = [f('b1', '再接再励'), f('b3', '内部资料', { waived: true }), f('b5', '世界级'), f('b6', '机密', { checkId: 'secrecy', ruleId: 'other' })];
    const out = compareFindings(from, to);
    expect(out.fixed.map((x) => x.id)).toEqual(['a2', 'a4']);
    expect(out.remaining.map((x) => x.id)).toEqual(['b1']);
    expect(out.waived.map((x) => x.id)).toEqual(['b3']);
    expect(out.introduced.map((x) => x.id)).toEqual(['b5', 'b6']);
  });
});
