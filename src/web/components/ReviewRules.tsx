import { useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { formatTime } from '../labels';
import type { DraftDetail, Finding } from '../../shared/api';
import './review-rules.css';

/**
 * What the review rules of issue 10 show: who may waive a finding, waived findings as waived, the author's
 * 送审说明 next to the findings, why an automatic return happened, what a proofreading edit did to the earlier
 * approvals, the stages a draft passes, and a confirmation before anything irreversible.
 */

const POLICY_CLASS: Record<string, string> = { never: 'policy-never', propaganda: 'policy-propaganda', stage: 'policy-stage' };

/** 不可豁免 / 仅宣传部可豁免 / 本环节审核人可豁免, for a blocking finding. */
export function PolicyBadge({ f }: { f: Finding }) {
  if (f.severity !== 'block' || !f.waiverPolicy) return null;
  return (
    <span className={`badge ${POLICY_CLASS[f.waiverPolicy] ?? ''}`} data-testid="waiver-policy" data-policy={f.waiverPolicy} title="豁免规则">
      {f.waiverPolicyLabel ?? f.waiverPolicy}
    </span>
  );
}

/** A waived finding: a badge and who waived it why (never struck through). */
export function WaivedNote({ f }: { f: Finding }) {
  if (!f.waived) return null;
  return (
    <div className="waived-note" data-testid="waived-note">
      <span className="badge waived-badge" data-testid="waived-badge">已豁免</span> 理由：{f.waived.reason}
      <span className="muted"> · {formatTime(f.waived.at)}</span>
    </div>
  );
}

/** The author's 送审说明, shown to reviewers above the findings it answers. */
export function ResubmissionNote({ d }: { d: DraftDetail }) {
  if (!d.resubmission) return null;
  const blocking = d.findings.filter((f) => f.severity === 'block');
  return (
    <div className="card resubmission-note" data-testid="resubmission-note">
      <h3>作者送审说明</h3>
      <p className="statement">{d.resubmission.statement}</p>
      <div className="muted small">
        {d.resubmission.by} · {formatTime(d.resubmission.at)}
        {blocking.length > 0 ? ` · 针对本稿 ${blocking.length} 个阻断性问题（见下方机审问题）` : ''}
      </div>
    </div>
  );
}

/** Why the checks sent the draft back, for its editor: the blocking findings, with what can be done about each. */
export function AutoReturnNotice({ d }: { d: Pick<DraftDetail, 'autoReturn'> }) {
  const list = d.autoReturn?.findings ?? [];
  if (list.length === 0) return null;
  const never = list.some((f) => f.waiverPolicy === 'never');
  return (
    <div className="auto-return" role="alert" data-testid="auto-return">
      <strong>机审发现 {list.length} 个阻断性问题，稿件已自动退回：</strong>
      <ul>
        {list.map((f) => (
          <li key={f.id} data-testid="auto-return-finding">
            「{f.matched}」{f.message}
            <span className={`badge ${POLICY_CLASS[f.waiverPolicy] ?? ''}`}>{f.waiverPolicyLabel}</span>
          </li>
        ))}
      </ul>
      <div className="muted small">
        {never ? '含不可豁免的问题：请修改稿件删除后重新提交。' : '请修改稿件，或说明理由后重新送审（由有权限的审核人决定是否豁免）。'}
      </div>
    </div>
  );
}

/** For the desk: fetches a returned draft and lists its blocking findings. */
export function ReturnedFindings({ id }: { id: string }) {
  const [d, setD] = useState<Pick<DraftDetail, 'autoReturn'> | null>(null);
  useEffect(() => {
    let live = true;
    api.get<DraftDetail>(`/api/drafts/${id}`).then((x) => live && setD(x), () => undefined);
    return () => {
      live = false;
    };
  }, [id]);
  return d ? <AutoReturnNotice d={d} /> : null;
}

/** What a proofreading edit did to the earlier approvals (config/review.ts), as the revision recorded it. */
export function ProofreadBoundNote({ bound }: { bound: unknown }) {
  const b = bound as { exceeded?: boolean; message?: string } | null | undefined;
  if (!b || typeof b.message !== 'string') return null;
  return (
    <div className={`proofread-bound ${b.exceeded ? 'exceeded' : ''}`} data-testid="proofread-bound" data-exceeded={b.exceeded ? 'true' : 'false'}>
      {b.exceeded ? '⚠ ' : ''}
      {b.message}
    </div>
  );
}

/** "流程：初审 → 复审 → 终审 → 宣传部" with the current stage marked. */
export function RouteLine({ label, stages, current }: { label: string; stages: readonly string[]; current: string | null }) {
  const names: Record<string, string> = { first: '初审', second: '复审', final: '终审', propaganda: '宣传部' };
  return (
    <span className="route-line" data-testid="route" aria-label={label}>
      流程：
      {stages.map((s, i) => (
        <span key={s}>
          {i > 0 ? ' → ' : ''}
          <span className={s === current ? 'route-current' : ''}>{names[s] ?? s}</span>
        </span>
      ))}
    </span>
  );
}

/** A modal confirmation for an irreversible action. */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div className="confirm-backdrop" data-testid="confirm-dialog">
      <div className="confirm-box" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">
        <h3 id="confirm-title">{title}</h3>
        <p>{message}</p>
        <div className="buttons">
          <button type="button" ref={cancel} onClick={onCancel} data-action="cancel">
            取消
          </button>
          <button type="button" className="danger" onClick={onConfirm} data-action="confirm">
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The trail's detail for a waiver: which finding, which rule, under which policy. */
export function WaiverTrailDetail({ data }: { data: Record<string, unknown> }) {
  const labels: Record<string, string> = { never: '不可豁免', propaganda: '仅宣传部可豁免', stage: '本环节审核人可豁免' };
  if (typeof data.matched !== 'string' && typeof data.message !== 'string') return null;
  return (
    <div className="waiver-trail" data-testid="trail-waiver">
      问题：{typeof data.message === 'string' ? data.message : ''}
      {typeof data.matched === 'string' ? `「${data.matched}」` : ''}
      {typeof data.ruleId === 'string' ? <code> {data.ruleId}</code> : null}
      {typeof data.policy === 'string' ? ` · ${labels[data.policy] ?? data.policy}` : ''}
    </div>
  );
}
