import { canonicalJson, type RevisionContent } from './content';

/** One contiguous change in a text field: `removed` at [start, start+removed.length) became `inserted`. */
export interface TextChange {
  field: 'title' | 'body';
  start: number;
  removed: string;
  inserted: string;
}

export interface ContentDiff {
  changes: TextChange[];
  /** Non-text parts (format, origin, assets) that changed. */
  changedFields: string[];
}

/** The smallest single edit window: common prefix and suffix trimmed away. Exact, linear, and easy to show. */
export function diffText(field: TextChange['field'], before: string, after: string): TextChange | null {
  if (before === after) return null;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return { field, start, removed: before.slice(start, endBefore), inserted: after.slice(start, endAfter) };
}

export function diffContent(before: RevisionContent, after: RevisionContent): ContentDiff {
  const changes = [diffText('title', before.title, after.title), diffText('body', before.body, after.body)].filter(
    (c): c is TextChange => c !== null,
  );
  const changedFields = (['format', 'origin', 'assets'] as const).filter(
    (k) => canonicalJson(before[k]) !== canonicalJson(after[k]),
  );
  return { changes, changedFields };
}
