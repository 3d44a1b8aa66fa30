import { riskChips } from '../../../src/web/labels';

describe('board chips: one per category with a count (issue 11)', () => {
  it('merges finding kinds that read as the same category, keeps distinct categories apart', () => {
    const chips = riskChips([
      { category: 'advertising.wechat', block: 0, review: 1 },
      { category: 'advertising.price', block: 0, review: 3 },
      { category: 'advertising.mobile', block: 0, review: 1 },
      { category: 'drugs', block: 2, review: 0 },
      { category: 'gambling', block: 0, review: 1 },
      { category: 'escalation.emergency', block: 0, review: 1 },
      { category: 'escalation.casualty', block: 0, review: 2 },
    ]);
    expect(chips.map((c) => `${c.label} ${c.block + c.review}`)).toEqual(['毒品 2', '广告 5', '重大事项 3', '赌博 1']);
    expect(chips.find((c) => c.label === '广告')!.categories).toEqual(['advertising.wechat', 'advertising.price', 'advertising.mobile']);
    expect(new Set(chips.map((c) => c.label)).size).toBe(chips.length);
  });
});
