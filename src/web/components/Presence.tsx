import { useCallback, useEffect, useRef, useState } from 'react';
import type { DraftPresence } from '../../shared/socket-contract';
import { api, ApiError } from '../api';
import { useSession } from '../session';
import { formatTime, STAGE_LABELS } from '../labels';
import { live } from '../live';
import type { DraftDetail } from '../../shared/api';
import './presence.css';

/**
 * Claims (认领) and viewers (正在查看) as hints: fetched over HTTP on mount and on every (re)connect, then kept
 * current by `presence.changed` pushes, each draft's newest `seq` winning (late pushes never undo newer ones).
 * `draftId` limits it to one draft (the review page); without it, every draft the user may read (the board).
 */
export function usePresence(draftId?: string): Map<string, DraftPresence> {
  const [map, setMap] = useState<Map<string, DraftPresence>>(() => new Map());
  // Pushes that arrived while a refetch was in flight: they may be newer than the snapshot it brings back.
  const pushedDuringFetch = useRef(new Map<string, DraftPresence>());
  const request = useRef(0);

  const push = useCallback(
    (p: DraftPresence) => {
      if (draftId && p.draftId !== draftId) return;
      pushedDuringFetch.current.set(p.draftId, p);
      setMap((old) => {
        const known = old.get(p.draftId);
        if (known && known.seq > p.seq) return old;
        return new Map(old).set(p.draftId, p);
      });
    },
    [draftId],
  );

  const refetch = useCallback(() => {
    const mine = ++request.current;
    pushedDuringFetch.current = new Map();
    api
      .get<{ items: DraftPresence[] }>(`/api/presence${draftId ? `?draft=${encodeURIComponent(draftId)}` : ''}`)
      .then((res) => {
        if (mine !== request.current) return;
        const next = new Map(res.items.map((p) => [p.draftId, p]));
        for (const [id, p] of pushedDuringFetch.current) {
          const fetched = next.get(id);
          if (!fetched || fetched.seq < p.seq) next.set(id, p);
        }
        setMap(next);
      })
      // Hints only: without them the board still works, and the next (re)connect tries again.
      .catch(() => undefined);
  }, [draftId]);

  useEffect(() => {
    refetch();
    const offConnect = live.onConnect(refetch);
    const offPresence = live.onPresence(push);
    return () => {
      offConnect();
      offPresence();
    };
  }, [refetch, push]);
  return map;
}

const names = (people: readonly { name: string }[]) => people.map((p) => p.name).join('、');

/** The line on a board card: who claims it, who has it open. */
export function CardPresence({ presence }: { presence: DraftPresence | undefined }) {
  if (!presence || (!presence.claim && presence.viewerCount === 0)) return null;
  const more = presence.viewerCount - presence.viewers.length;
  return (
    <div className="presence-line" data-testid="card-presence">
      {presence.claim && (
        <span className="badge claim" data-testid="claim" data-claimant={presence.claim.by.id} title={`${formatTime(presence.claim.since)} 认领`}>
          {presence.claim.by.name} 已认领
        </span>
      )}
      {presence.viewerCount > 0 && (
        <span className="viewers" data-testid="viewers">
          {names(presence.viewers)}
          {more > 0 ? ` 等 ${presence.viewerCount} 人` : ''} 正在查看
        </span>
      )}
    </div>
  );
}

/**
 * The review page's box: announces that this page is open (presence), lists who else is looking, and offers
 * 认领/取消认领 to a reviewer who may act at the current stage (the same rule the server enforces).
 */
export function ReviewPresence({ d }: { d: DraftDetail }) {
  const { me } = useSession();
  useEffect(() => live.watch(d.id), [d.id]);
  const presence = usePresence(d.id).get(d.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const claim = presence?.claim ?? null;
  const mine = claim?.by.id === me.id;
  const canAct = d.status === 'in_review' && ['approve', 'return', 'reject'].some((a) => d.allowedActions.includes(a));
  const others = (presence?.viewers ?? []).filter((v) => v.id !== me.id);

  const run = async (path: 'claim' | 'unclaim') => {
    setBusy(true);
    setError(null);
    try {
      await api.post<DraftPresence>(`/api/drafts/${d.id}/${path}`, {});
      // The push that follows (or the next refetch) updates the box; nothing to merge by hand.
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card presence-box" data-testid="presence-box">
      <h3>认领与在线</h3>
      <div className="claim-state" data-testid="claim-state" data-claimant={claim?.by.id ?? ''}>
        {claim ? (
          <>
            <span className="badge claim">{mine ? '我' : claim.by.name} 已认领</span>
            <span className="muted small">
              {STAGE_LABELS[claim.stage] ?? claim.stage} · {formatTime(claim.since)}
            </span>
          </>
        ) : (
          <span className="muted">尚无人认领</span>
        )}
      </div>
      {canAct && !claim && (
        <button type="button" disabled={busy} onClick={() => void run('claim')} data-action="claim">
          认领
        </button>
      )}
      {mine && (
        <button type="button" disabled={busy} onClick={() => void run('unclaim')} data-action="unclaim">
          取消认领
        </button>
      )}
      <div className="viewing" data-testid="viewing">
        <span className="muted">正在查看：</span>
        {others.length === 0 ? <span className="muted">仅我</span> : names(others)}
        {presence && presence.viewerCount > presence.viewers.length ? ` 等 ${presence.viewerCount} 人` : ''}
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
