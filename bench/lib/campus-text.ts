/**
 * Shared benchmark material: a seeded random generator and drafts made of campus-regulation style sentences
 * (fictional school). Used by bench:checks (drafts through every check) and bench:rescan (released drafts).
 */

/** A small, fast, seeded linear congruential generator in [0, 1): the same seed gives the same drafts. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Campus-regulation style sentences (fictional school). */
export const REGULATION_SENTENCES: readonly string[] = [
  '为进一步加强学校学生管理工作，维护正常的教育教学秩序，根据《普通高等学校学生管理规定》，结合我校实际，制定本办法。',
  '学生应当遵守宪法和法律法规，遵守学校管理制度，努力学习专业知识，积极参加社会实践和志愿服务活动。',
  '各学院要高度重视本科教学质量，严格执行课程考核制度，认真做好期末考试的组织、监考和阅卷工作。',
  '学校设立国家奖学金、国家励志奖学金和学业奖学金，奖励品学兼优的学生，评审工作坚持公开、公平、公正的原则。',
  '研究生院负责研究生招生、培养、学位授予等工作，联系电话：0571-88981234，办公地点：行政楼三楼。',
  '图书馆开放时间为每天早上七点至晚上十点，读者应当遵守借阅规则，爱护图书资料和公共设施。',
  '学生宿舍实行统一管理，严禁使用大功率电器，严禁私拉乱接电线，确保消防通道畅通。',
  '校团委组织开展“青春心向党”主题团日活动，引导广大青年学生坚定理想信念，厚植爱国主义情怀。',
  '本次学术报告会邀请国内知名专家作专题报告，围绕人工智能与教育融合发展展开深入交流。',
  '学校后勤保障部门对食堂开展食品安全专项检查，督促落实食材采购、储存、加工等环节的管理制度。',
  '新学期开学以来，各学院认真落实学校工作部署，扎实推进课堂教学改革，教学秩序井然。',
  '学生因病或者其他特殊原因不能参加考试的，应当在考试前办理缓考手续，经学院审核、教务处批准后方可缓考。',
  '学校鼓励学生参加创新创业训练计划项目，对取得优异成绩的团队给予表彰和经费支持。',
  '校医院提醒广大师生注意季节性传染病防控，保持良好的个人卫生习惯，出现发热等症状及时就医。',
  '全校教职工要强化安全意识，落实安全责任，定期开展安全隐患排查，切实保障师生生命财产安全。',
];

/**
 * A draft of about `chars` characters: random regulation sentences, with `paragraphBreak` inserted after a
 * sentence one time in five (the break counts towards the length).
 */
export function regulationDraft(chars: number, random: () => number, paragraphBreak = '\n'): string {
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const s = REGULATION_SENTENCES[Math.floor(random() * REGULATION_SENTENCES.length)]!;
    parts.push(s);
    n += s.length;
    if (random() < 0.2) {
      parts.push(paragraphBreak);
      n += paragraphBreak.length;
    }
  }
  return parts.join('').slice(0, chars);
}

/** Percentile (nearest rank, p in 0..100) of a list of numbers. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
