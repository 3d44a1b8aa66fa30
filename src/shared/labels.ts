/** Chinese names of draft statuses, shared by the server (messages, 审稿单, exports) and the board. */
export const STATUS_LABELS = {
  checking: '机审中',
  checks_failed: '机审失败',
  in_review: '审核中',
  returned: '已退回',
  approved: '待发布',
  released: '已发布',
  rejected: '已否决',
  withdrawn: '已撤回',
  corrected: '已纠错',
  retracted: '已撤稿',
} as const;

/** A video timecode as people write it: 0:05, 12:30 (minutes may exceed 59). */
export function formatTimecode(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
