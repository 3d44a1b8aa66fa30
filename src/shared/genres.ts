/**
 * 体裁 of a draft (issue 11): the fixed catalog an office publishes in, shared by the API (validation), the checks
 * (genre-scoped whitelist, context) and the desks. Values are the Chinese names themselves.
 */
export const DRAFT_GENRES = ['活动报道', '讲座预告', '通知公告', '喜报', '招生/招聘', '社团招新', '校友故事', '节日推文', '转载', '情况通报', '安全教育/科普', '其他'] as const;
export type DraftGenre = (typeof DRAFT_GENRES)[number];

export function isDraftGenre(value: unknown): value is DraftGenre {
  return typeof value === 'string' && (DRAFT_GENRES as readonly string[]).includes(value);
}
