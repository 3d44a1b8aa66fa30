import { auditActor } from '../../../src/domain/audit';
import { AUDIT_EVENT_TYPES, auditEvent, auditPayload, catalogued, isAuditEventType, trailColumns } from '../../../src/domain/audit-events';

describe('auditActor', () => {
  it('labels a user as 显示名（用户名） and no user with the fallback', () => {
    expect(auditActor({ displayName: '王老师', username: 'wang' })).toBe('王老师（wang）');
    expect(auditActor(null)).toBe('系统');
    expect(auditActor(undefined, '匿名')).toBe('匿名');
  });
});

describe('audit-event catalog', () => {
  it('names each event type once, as aggregate.pastTense', () => {
    expect(new Set(AUDIT_EVENT_TYPES).size).toBe(AUDIT_EVENT_TYPES.length);
    for (const type of AUDIT_EVENT_TYPES) expect(type).toMatch(/^[a-z]+\.[a-z_]+$/);
    expect(isAuditEventType('checks.completed')).toBe(true);
    expect(isAuditEventType('draft.approved')).toBe(false); // a notification, not an audit event
    expect(isAuditEventType('toString')).toBe(false);
  });

  it('reads a stored payload by its type and nothing else', () => {
    const stored = { type: 'auth.login', data: { ip: '10.0.0.1' } };
    expect(auditPayload(stored, 'auth.login')?.ip).toBe('10.0.0.1');
    expect(auditPayload(stored, 'auth.logout')).toBeUndefined();
    expect(auditEvent('admin.notification_retried', { deliveryId: 'd1' })).toEqual({ type: 'admin.notification_retried', data: { deliveryId: 'd1' } });
  });
});

describe('trail columns', () => {
  it('reads the stage and the opinion of a catalogued event through its payload: comment, else reason, else statement', () => {
    expect(trailColumns({ type: 'review.returned', data: { stage: 'review1', comment: '标题有误', reason: 'x' } })).toEqual({ stage: 'review1', opinion: '标题有误' });
    expect(trailColumns({ type: 'draft.withdrawn', data: { reason: '撤回重写' } })).toEqual({ stage: '', opinion: '撤回重写' });
    expect(trailColumns({ type: 'draft.resubmitted', data: { comment: null, statement: '已修改' } })).toEqual({ stage: '', opinion: '已修改' });
    expect(trailColumns({ type: 'auth.login', data: { ip: '10.0.0.1' } })).toEqual({ stage: '', opinion: '' });
  });

  it('reads an event of a type the catalog does not know by the same field names, as stored', () => {
    const old = { type: 'review.commented', data: { stage: 'review2', comment: '旧版事件' } };
    expect(catalogued(old)).toBeUndefined();
    expect(trailColumns(old)).toEqual({ stage: 'review2', opinion: '旧版事件' });
    expect(catalogued({ type: 'auth.login', data: { ip: '1' } })).toEqual({ type: 'auth.login', data: { ip: '1' } });
  });
});
