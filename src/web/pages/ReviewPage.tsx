import { useState } from 'react';
import { ReviewPresence } from '../components/Presence';
import { ProofMarks } from '../components/ProofMarks';
import { AutoReturnNotice, ResubmissionNote } from '../components/ReviewRules';
import { RevisionDiff } from '../components/RevisionDiff';
import { useDraftSelection } from '../render/selection';
import { AuthorActions } from './review/AuthorActions';
import { DecisionPanel, ReleaseGatePanel } from './review/DecisionPanel';
import { DraftContent } from './review/DraftContent';
import { DraftHead } from './review/DraftHead';
import { FindingsPanel } from './review/FindingsPanel';
import { MediaPanel } from './review/MediaPanel';
import { OriginBox } from './review/OriginBox';
import { TrailPanel } from './review/TrailPanel';
import { useDraft } from './review/useDraft';

/** 审稿: one draft with its findings, marks, decisions and trail; the panels live in ./review. */
export function ReviewPage({ id }: { id: string }) {
  const { draft: d, error, marks, notice, setNotice, busy, decide, waive, adopt, reloadDraft, reloadMarks } = useDraft(id);
  const [picked, setPicked] = useState<string | null>(null);
  const canMark = d?.allowedActions.includes('proofread') ?? false;
  const draftSelection = useDraftSelection(canMark);
  const [pickedMark, setPickedMark] = useState<string | null>(null);

  if (error && !d) return <div className="error">无法打开稿件：{error.message}</div>;
  if (!d) return <div className="loading">加载中…</div>;

  const jumpToMark = (mid: string) => {
    setPickedMark(mid);
    document.querySelector(`[data-mark="${CSS.escape(mid)}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  };
  const jump = (fid: string) => {
    setPicked(fid);
    document.querySelector(`[data-finding="${CSS.escape(fid)}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  };

  return (
    <div className="review-page" data-testid="review-page" data-version={d.version} data-status={d.status}>
      <div className="review-main">
        <DraftHead d={d} marks={marks} canMark={canMark} onPick={jump} onPickMark={jumpToMark} />
        {notice && (
          <div className={`notice notice-${notice.kind}`} role="alert" data-testid="notice">
            {notice.text}
          </div>
        )}
        <AutoReturnNotice d={d} />
        <DraftContent d={d} marks={marks} canMark={canMark} onPick={jump} onPickMark={jumpToMark} />
        <MediaPanel
          d={d}
          canMark={canMark}
          picked={picked}
          onPick={jump}
          onChanged={(text) => {
            setNotice({ kind: 'info', text });
            reloadDraft();
            reloadMarks();
          }}
          onError={(text) => setNotice({ kind: 'error', text })}
        />
        <OriginBox d={d} />
        <RevisionDiff key={d.revisions.length} draftId={d.id} revisions={d.revisions} />
        <TrailPanel d={d} />
      </div>
      <aside className="review-side">
        <ReviewPresence d={d} />
        <AuthorActions
          key={d.version}
          d={d}
          onChanged={(text) => {
            if (text) setNotice({ kind: 'info', text });
            reloadDraft();
          }}
        />
        <DecisionPanel d={d} busy={busy} onDecide={(action, comment, recorded) => void decide(action, comment, recorded)} />
        <ReleaseGatePanel d={d} />
        <ProofMarks
          d={d}
          marks={marks}
          canMark={canMark}
          selection={draftSelection.selection}
          clearSelection={draftSelection.clear}
          picked={pickedMark}
          onPick={jumpToMark}
          onChanged={(text, kind = 'info') => {
            if (text) setNotice({ kind, text });
            reloadMarks();
            reloadDraft();
          }}
        />
        <ResubmissionNote d={d} />
        <FindingsPanel d={d} marks={marks} picked={picked} canMark={canMark} onJump={jump} onWaive={(f, r) => void waive(f, r)} onAdopt={(f) => void adopt(f)} />
      </aside>
    </div>
  );
}
