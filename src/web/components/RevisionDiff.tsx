import { useEffect, useState } from 'react';
import { api, qs } from '../api';
import { categoryClass, categoryLabel, formatTime, SEVERITY_LABELS } from '../labels';
import type { Finding, RevisionDiffView, RevisionSummary } from '../../shared/api';
import { ProofreadBoundNote } from './ReviewRules';

const FIELD_LABELS: Record<string, string> = { title: '标题', body: '正文', format: '格式', origin: '来源', assets: '素材' };
const KIND_LABELS: Record<string, string> = { submission: '初稿', original: '初稿', revision: '修改稿', proofread: '校对稿', correction: '纠错稿' };

/** Context stays on the change's own line; line breaks inside a change show as ↵. */
const lineBefore = (s: string) => s.slice(s.lastIndexOf('\n') + 1);
const lineAfter = (s: string) => (s.includes('\n') ? s.slice(0, s.indexOf('\n')) : s);
const visible = (s: string) => s.replace(/\r?\n/g, '↵');

/** `#/drafts/<id>?diff=1-2` (the audit trail links here) opens the page with that comparison made. */
function requestedPair(): [number, number] | null {
  const m = /[?&]diff=(\d+)-(\d+)/.exec(window.location.hash);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** 版本对比: any two revisions side by side as changes in context, and what happened to the findings. */
export function RevisionDiff({ draftId, revisions }: { draftId: string; revisions: readonly RevisionSummary[] }) {
  const numbers = revisions.map((r) => r.number);
  const last = numbers[numbers.length - 1] ?? 1;
  const [requested] = useState(requestedPair);
  const [from, setFrom] = useState(requested?.[0] ?? numbers[numbers.length - 2] ?? last);
  const [to, setTo] = useState(requested?.[1] ?? last);
  const [data, setData] = useState<RevisionDiffView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const compare = async (a = from, b = to) => {
    setBusy(true);
    setError(null);
    try {
      setData(await api.get<RevisionDiffView>(`/api/drafts/${draftId}/diff${qs({ from: a, to: b })}`));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (requested) void compare(requested[0], requested[1]);
    // Once, for the pair the link asked for.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  if (revisions.length < 2) return null;
  const option = (r: RevisionSummary) => (
    <option key={r.id} value={r.number}>
      第 {r.number} 稿（{KIND_LABELS[r.kind] ?? r.kind}）
    </option>
  );

  return (
    <div className="card revision-diff" data-testid="revision-diff">
      <h3>版本对比</h3>
      <div className="row">
        <label>
          从
          <select value={from} onChange={(e) => setFrom(Number(e.target.value))} aria-label="对比起始版本">
            {revisions.map(option)}
          </select>
        </label>
        <label>
          到
          <select value={to} onChange={(e) => setTo(Number(e.target.value))} aria-label="对比目标版本">
            {revisions.map(option)}
          </select>
        </label>
        <button type="button" onClick={() => void compare()} disabled={busy} data-action="compare">
          对比
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {data && <DiffResult data={data} />}
    </div>
  );
}

function DiffResult({ data }: { data: RevisionDiffView }) {
  const f = data.findings;
  return (
    <div className="diff-result" data-testid="diff-result">
      <p className="muted">
        第 {data.from.number} 稿（{formatTime(data.from.createdAt)}）→ 第 {data.to.number} 稿（{formatTime(data.to.createdAt)}）：文字改动 {data.totalChanges} 处
        {data.changedFields.length > 0 ? `；${data.changedFields.map((x) => FIELD_LABELS[x] ?? x).join('、')}有变化` : ''}
      </p>
      <ProofreadBoundNote bound={data.to.proofreadBound} />
      <div className="diff-summary" data-testid="diff-summary">
        <span className="badge fixed">已修正 {f.fixed.length}</span>
        <span className="badge waived">已豁免 {f.waived.length}</span>
        <span className="badge introduced">新增 {f.introduced.length}</span>
        <span className="badge">仍存在 {f.remaining.length}</span>
        {data.checksPending && <span className="muted">（机审尚未完成，结果可能变化）</span>}
      </div>
      {data.changes.length === 0 && <p className="muted">两个版本的文字相同</p>}
      <ol className="diff-changes">
        {data.changes.map((c, i) => (
          <li key={i} className="diff" data-testid="diff-change">
            <span className="where">{FIELD_LABELS[c.field]}</span>
            <span className="context">{c.before.includes('\n') || c.at === c.before.length ? lineBefore(c.before) : `…${c.before}`}</span>
            {c.removed && <del>{visible(c.removed)}</del>}
            {c.inserted && <ins>{visible(c.inserted)}</ins>}
            <span className="context">{c.after.includes('\n') || !c.after ? lineAfter(c.after) : `${c.after}…`}</span>
          </li>
        ))}
      </ol>
      {data.totalChanges > data.changes.length && <p className="muted">另有 {data.totalChanges - data.changes.length} 处改动未列出</p>}
      <FindingGroup title="已修正" kind="fixed" list={f.fixed} />
      <FindingGroup title="已豁免" kind="waived" list={f.waived} />
      <FindingGroup title="新增问题" kind="introduced" list={f.introduced} />
    </div>
  );
}

function FindingGroup({ title, kind, list }: { title: string; kind: string; list: Finding[] }) {
  if (list.length === 0) return null;
  return (
    <div className={`finding-group group-${kind}`} data-testid={`diff-${kind}`}>
      <h4>
        {title} <span className="count">{list.length}</span>
      </h4>
      <ul>
        {list.map((x) => (
          <li key={x.id}>
            <span className={`badge ${categoryClass(x.category)}`}>{categoryLabel(x.category)}</span>
            <span className={`badge sev-${x.severity}`}>{SEVERITY_LABELS[x.severity]}</span>「{x.matched}」<span className="muted">{x.message}</span>
            {x.waived && <span className="muted">（豁免理由：{x.waived.reason}）</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
