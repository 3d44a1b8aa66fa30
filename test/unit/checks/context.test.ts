/**
 * Context, not keywords (issue 11): the typical false alarms and misses of a keyword matcher on campus drafts, each
 * as a pair — the same term as a subject (education, history, a rule, a menu) and as an act — so a rule that only
 * looks at the keyword fails one side of every pair.
 */
import type { RevisionContent } from '../../../src/domain/content';
import type { Finding } from '../../../src/domain/findings';
import { shippedEngine } from './checks.helpers';

const doc = (title: string, body: string, origin: RevisionContent['origin'] = { kind: 'original' }): RevisionContent => ({ title, body, format: 'text', origin, assets: [] });
const RANK = { block: 3, review: 2, info: 1 } as const;

async function run(content: RevisionContent, check?: string): Promise<Finding[]> {
  const engine = await shippedEngine();
  return (check ? [check] : engine.checkIds).flatMap((c) => engine.run(c, content).findings);
}
const atLeastReview = (fs: Finding[]) => fs.filter((f) => RANK[f.severity] >= RANK.review);

describe('genre cues lower a term to info in that sentence, with the reason', () => {
  it.each([
    ['禁毒日', '6·26国际禁毒日｜珍爱生命', '民警介绍了冰毒、海洛因等常见毒品的危害。', '冰毒'],
    ['anti-cult lecture', '反邪教警示教育讲座', '主讲人结合典型案例，揭露了法轮功等邪教组织的本质。', '法轮功'],
    ['保密教育月', '保密教育月｜筑牢防线', '国家秘密的密级分为绝密、机密、秘密三级。', '绝密'],
    ['history lecture', '名家讲坛', '讲座将回顾中华民国时期的历史。', '中华民国'],
    ['exam rule', '关于期末考试的通知', '考试违纪、作弊的学生将严肃处理。', '考试违纪、作弊'],
    ['fire safety', '消防安全提醒', '宿舍内严禁使用大功率电器，谨防触电和火灾。', '火灾'],
  ])('%s', async (_name, title, body, term) => {
    const fs = await run(doc(title, body));
    const f = fs.find((x) => x.matched === term);
    expect(f).toBeDefined();
    expect(f!.severity).toBe('info');
    expect(f!.escalate ?? false).toBe(false);
    expect(f!.message).toMatch(/降为提示/);
    expect(f!.evidence).toHaveProperty('context');
    expect(atLeastReview(fs)).toEqual([]);
  });

  it('the same terms as acts keep their severity, even inside an education piece', async () => {
    expect(atLeastReview(await run(doc('禁毒宣传', '有同学在群里兜售冰毒，有货联系。'), 'sensitive')).map((f) => f.severity)).toContain('block');
    expect(atLeastReview(await run(doc('反邪教宣传月', '宿舍楼里有人散发传单，宣扬法轮大法。'), 'sensitive')).map((f) => f.severity)).toContain('block');
    expect((await run(doc('保密教育', '附件为学校绝密★文件，请传阅。'), 'secrecy')).map((f) => f.severity)).toContain('block');
  });
});

describe('escalation needs an event and a consequence or a present-time marker', () => {
  it.each([
    ['昨日下午，化学楼一实验室发生爆燃，造成两名研究生烧伤。'],
    ['今天上午，约200名学生聚集在行政楼前，反映诉求。'],
    ['12月3日晚，图书馆发生火灾，两人受伤。'],
  ])('news of an event escalates: %s', async (body) => {
    const fs = atLeastReview(await run(doc('情况通报', body), 'escalation'));
    expect(fs.length).toBeGreaterThan(0);
    expect(fs.every((f) => f.escalate)).toBe(true);
  });

  it.each([
    ['讲座将以科普的方式介绍地震的成因。'],
    ['讲座将结合近年来高校实验室爆炸事故的案例讲解规范。'],
    ['信息爆炸时代，如何甄别信息？'],
    ['学校将持续加强食堂食品安全监管。'],
    ['人才聚集效应日益显现。'],
  ])('a keyword alone does not: %s', async (body) => {
    expect(atLeastReview(await run(doc('讲座预告', body), 'escalation'))).toEqual([]);
  });
});

describe('secrecy: the 公示 exception is per sentence', () => {
  it('拟任 in the 公示 sentence passes; 拟提拔 in another sentence of a 公示 text is a leak', async () => {
    expect(atLeastReview(await run(doc('任前公示', '经学校党委研究，拟任张三同志为学院副院长，现予以公示。'), 'secrecy'))).toEqual([]);
    const fs = atLeastReview(await run(doc('任前公示', '经研究，拟任张三为副院长，现予以公示。此外，学校拟提拔李四为院长，程序正在进行中。'), 'secrecy'));
    expect(fs.map((f) => f.matched)).toEqual(['拟提拔']);
  });
});

describe('advertising: contact extraction and the kind of document', () => {
  it.each([['微信咨询：kaoyan_vip01'], ['加微信了解，号码是 tuan_gou2026'], ['联系微信，号码为 ziliao_2026x']])('%s is a WeChat id', async (phrase) => {
    const fs = await run(doc('讲座', `本讲座由培训机构冠名，报名立减300元，${phrase}。`), 'advertising');
    expect(fs.some((f) => f.category === 'advertising.wechat')).toBe(true);
    expect(atLeastReview(fs).length).toBeGreaterThan(0);
  });

  it('a canteen menu with prices and 特价 is not an advert; 蒜蓉菠菜 is not gambling', async () => {
    const menu = doc('第一食堂本周菜单', '本周推出新菜品：蒜蓉菠菜4元，红烧肉12元，番茄炒蛋6元。二楼窗口推出特价套餐，每份15元。早餐供应豆浆1元、包子2元。');
    expect(atLeastReview(await run(menu))).toEqual([]);
    expect(atLeastReview(await run(doc('招募', '菠菜平台注册就送彩金。'), 'sensitive')).length).toBeGreaterThan(0);
  });

  it("students' phones in a 公示 list are personal data (secrecy review), not an advert", async () => {
    const c = doc('国家奖学金获奖学生名单公示', '获奖学生联系方式：王某 13812345678，李某 13987654321，赵某 15088886666。');
    expect(atLeastReview(await run(c, 'advertising'))).toEqual([]);
    expect(atLeastReview(await run(c, 'secrecy')).map((f) => f.category)).toEqual(['personal.phone', 'personal.phone', 'personal.phone']);
  });

  it('absolute 广告法 claims in 招生 copy reach review on their own, not in a 喜报', async () => {
    const fs = atLeastReview(await run(doc('2026年本科招生简章', '我校是全省唯一开设该专业的高校。该专业毕业生就业率100%。'), 'advertising'));
    expect(fs.map((f) => f.matched)).toEqual(expect.arrayContaining(['全省唯一', '就业率100%']));
    expect(atLeastReview(await run(doc('喜报', '我校代表队获得全国第一名，这是历史最好成绩。'), 'advertising'))).toEqual([]);
  });
});

describe('proofreading and copyright', () => {
  it.each([
    ['共建“一带一路”战略', '“一带一路”倡议'],
    ['今年是建国77周年', '新中国成立77周年'],
    ['铭记8年抗战的历史', '十四年抗战'],
    ['铭记八年抗战的历史', '十四年抗战'],
    ['同学们迫不急待地入场', '迫不及待'],
  ])('%s → review, suggesting %s', async (body, fix) => {
    const fs = atLeastReview(await run(doc('推文', body), 'proofreading'));
    expect(fs.map((f) => f.suggestion)).toContain(fix);
  });

  it('渡过难关 is the standard form', async () => {
    expect((await run(doc('校友', '他和团队一起渡过难关。'), 'proofreading')).filter((f) => f.category === 'proofreading.wording')).toEqual([]);
  });

  it('a wire-copy dateline in a body declared 原创 → copyright review; the same as a repost is fine', async () => {
    const body = '新华社北京12月3日电（记者 王某）全国高校毕业生就业工作推进会日前召开。';
    expect(atLeastReview(await run(doc('推进会召开', body), 'copyright')).map((f) => f.ruleId)).toEqual(['copyright:wire-byline']);
    const repost = { kind: 'repost' as const, sourceName: '新华社', sourceUrl: 'https://www.news.cn/a.html', originalAuthor: '王某', originalTitle: '推进会召开' };
    expect((await run(doc('推进会召开', body, repost), 'copyright')).map((f) => f.ruleId)).not.toContain('copyright:wire-byline');
  });
});

describe('an act named with its legal consequence is a warning (issue 11, session 5)', () => {
  it.each([
    ['禁毒日', '国际禁毒日｜青春无毒', '非法持有、购买冰毒等毒品，也将受到法律的严厉处罚。', '冰毒'],
    ['anti-scam', '期末考试季，当心骗局', '参与购买考试答案、组织代考还可能触犯法律。', '代考'],
    ['anti-gambling', '警惕校园网络赌博', '参与网络赌博、为赌博网站提供银行卡，都属于违法行为，将被依法查处。', '网络赌博'],
  ])('%s', async (_name, title, body, term) => {
    const fs = await run(doc(title, body));
    expect(fs.find((x) => x.matched === term)?.severity).toBe('info');
    expect(atLeastReview(fs)).toEqual([]);
  });

  it('without the consequence the act word still keeps the act', async () => {
    expect(atLeastReview(await run(doc('国际禁毒日｜青春无毒', '有人在群里购买冰毒。'), 'sensitive')).map((f) => f.severity)).toContain('block');
  });
});

describe('safety floor: never/absolute categories go no lower than review on a cue word alone', () => {
  it('法轮功 next to 讲座 without a stance stays review, with the reason', async () => {
    const f = (await run(doc('养生讲座预告', '主讲人将在讲座上分享修炼法轮功强身健体的心得。'), 'sensitive')).find((x) => x.matched === '法轮功');
    expect(f?.severity).toBe('review');
    expect(f?.message).toMatch(/不因语境免审/);
    expect(f?.evidence).toMatchObject({ context: { from: 'block', floor: 'review' } });
  });
  it('a bare 绝密 in a 培训 sentence that does not explain the 密级 stays review', async () => {
    const f = (await run(doc('档案馆开展业务培训', '培训中，老师展示了一份绝密文件的复印件。'), 'secrecy')).find((x) => x.matched === '绝密');
    expect(f?.severity).toBe('review');
  });
  it('the same terms where the sentence takes the stance or explains the 密级 are info', async () => {
    const cult = (await run(doc('反邪教讲座', '主讲人揭露了法轮功等邪教组织的本质和危害。'), 'sensitive')).find((x) => x.matched === '法轮功');
    expect(cult?.severity).toBe('info');
    const secret = (await run(doc('保密教育月', '国家秘密的密级分为绝密、机密、秘密三级。'), 'secrecy')).find((x) => x.matched === '绝密');
    expect(secret?.severity).toBe('info');
  });
  it('drugs are not a floor category: 冰毒 in a 禁毒 lecture is info', async () => {
    expect((await run(doc('禁毒讲座', '讲座介绍了冰毒的危害。'), 'sensitive')).find((x) => x.matched === '冰毒')?.severity).toBe('info');
  });
});

describe('safety floor: a denied stance is no stance', () => {
  it.each([
    ['讲座上有人说法轮功不是邪教。'],
    ['主讲人称法轮功并没有什么危害。'],
  ])('%s stays review', async (body) => {
    const f = (await run(doc('健康讲座', body), 'sensitive')).find((x) => x.matched === '法轮功');
    expect(f?.severity).toBe('review');
  });
});
