import { useState } from 'react';
import { ACTION_LABELS } from '../../labels';
import type { DecisionAction, DraftDetail } from '../../../shared/api';

/** 审核结论: the decisions the server allows this viewer at the draft's stage, with the opinion they carry. */
export function DecisionPanel({ d, busy, onDecide }: { d: DraftDetail; busy: boolean; onDecide: (action: DecisionAction, comment: string, recorded: () => void) => void }) {
  const [comment, setComment] = useState('');
  const actions = (['approve', 'return', 'reject'] as const).filter((a) => d.allowedActions.includes(a));
  if (actions.length === 0) return null;
  return (
    <div className="card decide" data-testid="decide">
      <h3>审核结论 · {d.stageLabel}</h3>
      <textarea placeholder="审核意见（退回、否决时必填）" value={comment} onChange={(e) => setComment(e.target.value)} aria-label="审核意见" />
      <div className="buttons">
        {actions.map((a) => (
          <button key={a} type="button" className={a === 'approve' ? 'primary' : a === 'reject' ? 'danger' : ''} disabled={busy} onClick={() => onDecide(a, comment, () => setComment(''))} data-action={a}>
            {ACTION_LABELS[a]}
          </button>
        ))}
      </div>
    </div>
  );
}

/** What still stands between an approved draft and its release. */
export function ReleaseGatePanel({ d }: { d: DraftDetail }) {
  if (d.releaseGate.length === 0 || d.status !== 'approved') return null;
  return (
    <div className="card">
      <h3>发布条件未满足</h3>
      <ul>
        {d.releaseGate.map((g) => (
          <li key={g.code + g.message}>{g.message}</li>
        ))}
      </ul>
    </div>
  );
}
