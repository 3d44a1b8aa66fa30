import { createCheckEngine } from '../../../src/checks/engine';
import { CHECKS_CONFIG } from '../../../config/checks';
import type { RevisionContent } from '../../../src/domain/content';
import { ADVERT, BORDERLINE_ADVERT, CLEAN_NEWS, OFFICE_NOTICE } from '../../fixtures/checks/corpus';
import { brief, CHAR_SEGMENTER, expectAt, shippedEngine } from './checks.helpers';

describe('advertising check', () => {
  it('a campus notice with the office phone number and e-mail is not an advert', async () => {
    const engine = await shippedEngine();
    expect(engine.run('advertising', OFFICE_NOTICE.content).findings).toEqual([]);
    expect(engine.run('advertising', CLEAN_NEWS.content).findings).toEqual([]);
  });

  it('a real advert is blocked, with every piece of evidence and the score', async () => {
    const engine = await shippedEngine();
    const c = ADVERT.content;
    const r = engine.run('advertising', c);
    expect(r.findings.map(brief)).toEqual([
      expectAt(c, '限时', 'advertising.promotion', 'block'),
      expectAt(c, '优惠', 'advertising.promotion', 'block'),
      expectAt(c, '全网最低', 'advertising.absolute', 'block'),
      expectAt(c, '原价', 'advertising.promotion', 'block'),
      expectAt(c, '1999元', 'advertising.price', 'block'),
      expectAt(c, '到手价', 'advertising.promotion', 'block'),
      expectAt(c, '699元', 'advertising.price', 'block'),
      expectAt(c, '限时', 'advertising.promotion', 'block', 1),
      expectAt(c, '秒杀', 'advertising.promotion', 'block'),
      expectAt(c, 'V信：kaoyan2025', 'advertising.wechat', 'block'),
      expectAt(c, '扣扣 12345678', 'advertising.qq', 'block'),
      expectAt(c, '咨询下单', 'advertising.diversion', 'block'),
      expectAt(c, '扫码', 'advertising.diversion', 'block'),
      expectAt(c, '进群', 'advertising.diversion', 'block'),
      expectAt(c, '包邮', 'advertising.promotion', 'block'),
    ]);
    const ev = r.findings[0]!.evidence!;
    expect(ev.score).toBeGreaterThanOrEqual(CHECKS_CONFIG.advertising.blockThreshold);
    expect(ev).toMatchObject({ reviewThreshold: 5, blockThreshold: 9 });
    expect(r.findings.find((f) => f.category === 'advertising.wechat')!.evidence).toMatchObject({ kind: 'wechat', weight: 4 });
  });

  it('weaker evidence lands between the thresholds → review', async () => {
    const engine = await shippedEngine();
    const r = engine.run('advertising', BORDERLINE_ADVERT.content);
    expect(new Set(r.findings.map((f) => f.severity))).toEqual(new Set(['review']));
    expect(r.findings.map((f) => f.matched)).toEqual(['低至', '5元', '扫码', '进群']);
    expect(r.findings[0]!.evidence!.score).toBe(7.5);
  });

  it.each([
    ['薇信 abc_12345', 'advertising.wechat'],
    ['vx：abc_12345', 'advertising.wechat'],
    ['ＶＸ：abc_12345', 'advertising.wechat'],
    ['微信：13912345678', 'advertising.wechat'],
    ['扣扣：1234567', 'advertising.qq'],
    ['QQ群 7654321', 'advertising.qq'],
  ])('contact variant %s', (contact, category) => {
    const engine = createCheckEngine({ sources: {}, segmenter: CHAR_SEGMENTER });
    const c: RevisionContent = { title: '推广', body: `加${contact}，私聊优惠`, format: 'text', origin: { kind: 'original' }, assets: [] };
    const withPromo = createCheckEngine({ sources: { 'advertising/promotion.txt': '优惠\n私聊\n' }, segmenter: CHAR_SEGMENTER });
    expect(engine.run('advertising', c).findings).toEqual([]); // 4 or 3 alone is below the review threshold
    const f = withPromo.run('advertising', c).findings.find((x) => x.category === category);
    expect(f?.matched).toBe(contact);
  });

  it('shop links hidden in markup count and point at the href', () => {
    const engine = createCheckEngine({ sources: { 'advertising/promotion.txt': '优惠\n' }, segmenter: CHAR_SEGMENTER });
    const body = '<p>限量<a href="https://item.taobao.com/item.htm?id=1">优惠</a>购买</p>';
    const r = engine.run('advertising', { title: '好物', body, format: 'html', origin: { kind: 'original' }, assets: [] });
    const link = r.findings.find((f) => f.category === 'advertising.shop-link')!;
    expect(link.source).toEqual({ field: 'body', start: body.indexOf('https'), end: body.indexOf('">') });
    expect(link.severity).toBe('review');
  });
});
