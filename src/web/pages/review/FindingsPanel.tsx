import { useState } from 'react';
import { api } from '../../api';
import { PolicyBadge, WaivedNote } from '../../components/ReviewRules';
import { categoryClass, categoryLabel, SEVERITY_LABELS } from '../../labels';
import type { DraftDetail, Finding, ProofMark } from '../../../shared/api';

/** 机审问题: the findings of the current revision, filterable by severity, each with its waiver and report. */
export function FindingsPanel({
  d,
  marks,
  picked,
  canMark,
  onJump,
  onWaive,
  onAdopt,
}: {
  d: DraftDetail;
  marks: readonly ProofMark[];
  picked: string | null;
  canMark: boolean;
  onJump: (findingId: string) => void;
  onWaive: (f: Finding, reason: string) => void;
  onAdopt: (f: Finding) => void;
}) {
  const [severity, setSeverity] = useState<string>('');
  // A check's summary of the findings it did not list one by one (`<check>:truncated`) comes first.
  const findings = d.findings
    .filter((f) => !severity || f.severity === severity)
    .sort((a, b) => Number(b.ruleId.endsWith(':truncated')) - Number(a.ruleId.endsWith(':truncated')));
  return (
    <div className="card findings" data-testid="findings">
      <h3>
        机审问题 <span className="count">{d.findings.length}</span>
        <select value={severity} onChange={(e) => setSeverity(e.target.value)} aria-label="按级别筛选">
          <option value="">全部</option>
          <option value="block">阻断</option>
          <option value="review">需复核</option>
          <option value="info">提示</option>
        </select>
      </h3>
      {d.checkRuns.some((r) => r.status !== 'done') && <p className="muted">机审进行中：{d.checkRuns.filter((r) => r.status !== 'done').map((r) => r.check).join('、')}</p>}
      {findings.length === 0 && <p className="muted">无</p>}
      <ul>
        {findings.map((f) => (
          <FindingItem
            key={f.id}
            f={f}
            picked={picked === f.id}
            canWaive={f.waivable ?? (d.allowedActions.includes('waive') && f.severity === 'block' && !f.waived)}
            onJump={() => onJump(f.id)}
            onWaive={(r) => onWaive(f, r)}
            draftId={d.id}
            onAdopt={canMark && f.suggestion !== null && !marks.some((m) => m.findingId === f.id && m.status !== 'rejected') ? () => onAdopt(f) : undefined}
          />
        ))}
      </ul>
    </div>
  );
}

function FindingItem({
  f,
  picked,
  canWaive,
  onJump,
  onWaive,
  onAdopt,
  draftId,
}: {
  draftId: string;
  f: Finding;
  picked: boolean;
  canWaive: boolean;
  onJump: () => void;
  onWaive: (reason: string) => void;
  onAdopt?: (() => void) | undefined;
}) {
  const [reason, setReason] = useState('');
  const [open, setOpen] = useState(false);
  return (
    <li className={`finding-item sev-${f.severity} ${picked ? 'picked' : ''} ${f.waived ? 'waived' : ''}`} data-finding-item={f.id}>
      <button type="button" className="link" onClick={onJump}>
        <span className={`badge ${categoryClass(f.category)}`}>{categoryLabel(f.category)}</span>
        <span className={`badge sev-${f.severity}`}>{SEVERITY_LABELS[f.severity]}</span>「{f.matched}」
      </button>
      <PolicyBadge f={f} />
      <div className="msg">{f.message}</div>
      {f.suggestion && (
        <div className="muted">
          建议：{f.suggestion}
          {onAdopt && (
            <button type="button" className="link" onClick={onAdopt} data-action="adopt-suggestion">
              采纳为校对标记
            </button>
          )}
        </div>
      )}
      <WaivedNote f={f} />
      <ReportFalseAlarm draftId={draftId} findingId={f.id} />
      {canWaive &&
        (open ? (
          <div className="waive">
            <input placeholder="豁免理由（必填）" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="豁免理由" />
            <button type="button" disabled={!reason.trim()} onClick={() => onWaive(reason.trim())}>
              确认豁免
            </button>
          </div>
        ) : (
          <button type="button" className="link" onClick={() => setOpen(true)}>
            豁免…
          </button>
        ))}
    </li>
  );
}

/** 报告误报 (issue 11): any reader of the draft tells the rule's owners this finding was wrong; counted per rule. */
function ReportFalseAlarm({ draftId, findingId }: { draftId: string; findingId: string }) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [state, setState] = useState<'idle' | 'done' | string>('idle');
  if (state === 'done') return <div className="muted small" role="status">已报告误报，谢谢反馈</div>;
  const send = async () => {
    try {
      await api.post(`/api/drafts/${draftId}/findings/${findingId}/report`, { comment: comment.trim() });
      setState('done');
    } catch (e) {
      setState(e instanceof Error ? e.message : String(e));
    }
  };
  return open ? (
    <div className="waive report-form">
      <input placeholder="说明（选填）" value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} aria-label="误报说明" />
      <button type="button" onClick={() => void send()} data-action="report-confirm">
        确认报告
      </button>
      {state !== 'idle' && <div className="error">{state}</div>}
    </div>
  ) : (
    <button type="button" className="link report" onClick={() => setOpen(true)} data-action="report-false-alarm">
      报告误报
    </button>
  );
}
