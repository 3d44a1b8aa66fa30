import type { StoredAuditEvent } from '../../src/domain/audit';
import { presentTrailEvent } from '../../src/http/presenters';

const stored = (type: string, data: Record<string, unknown>): StoredAuditEvent => ({
  id: 7,
  chain: 'draft-1',
  seq: 3,
  draftId: 'd1',
  revisionId: 'r1',
  actorId: null,
  actorName: '系统',
  type,
  outcome: 'success',
  data,
  createdAt: new Date('2026-12-04T08:00:00.000Z'),
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
});

describe('presentTrailEvent', () => {
  it('answers exactly the stored event as JSON, in the stored column order', () => {
    const event = stored('draft.withdrawn', { reason: '撤回', from: { status: 'in_review', stage: 'review1' }, to: { status: 'withdrawn', stage: null }, version: 4 });
    expect(JSON.stringify(presentTrailEvent(event))).toBe(JSON.stringify(event));
  });

  it('keeps an event of a type the catalog does not know, as stored', () => {
    const event = stored('review.commented', { comment: '旧版事件' });
    const shown = presentTrailEvent(event);
    expect(shown.type).toBe('review.commented');
    expect(JSON.stringify(shown)).toBe(JSON.stringify(event));
  });
});
