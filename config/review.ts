/**
 * The proofreading bound (issue 10): a reviewer's proofreading edit keeps the earlier approvals only while it is
 * small. It is "small" while the characters changed in the plain text stay within the larger of `maxChars` and
 * `maxRatio` of the text's length, and no link, image, the title or the origin (转载/原创 and its fields)
 * changed. Anything beyond restarts review at the first stage.
 */
export const PROOFREAD_BOUND = {
  maxChars: 50,
  maxRatio: 0.05,
  /** Any change to these restarts review. */
  restartOn: ['links', 'images', 'title', 'origin'] as const,
} as const;
