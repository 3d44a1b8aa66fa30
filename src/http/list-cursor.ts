import type { ListCursor } from '../db/draft-search.repository';
import { DomainError } from '../domain/errors';

/** A list page counts its matches up to this many; beyond it the answer is "10,000+" (totalCapped). */
export const LIST_COUNT_CAP = 10_000;

/** Opaque to clients: base64url of the last row's sort key. */
export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.number])).toString('base64url');
}

/** @throws DomainError validation_failed for anything this server did not hand out */
export function decodeListCursor(text: string): ListCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(value[0]) &&
      typeof value[1] === 'string' &&
      /^[\w-]{1,40}$/.test(value[1])
    ) {
      return { createdAt: value[0], number: value[1] };
    }
  } catch {
    // fall through
  }
  throw new DomainError('validation_failed', 'cursor 无效：请使用上一页返回的 nextCursor');
}
