import { useSyncExternalStore } from 'react';
import { inColumn, type BoardColumn, type BoardItem, type Me } from '../../shared/api';
import { formatDuration } from '../labels';

const STAGE_ROLE: Record<string, string> = { first: 'reviewer1', second: 'reviewer2', final: 'reviewer3', propaganda: 'propaganda' };

/** Whether the board item waits at a stage this person reviews (the server still decides; this only sorts). */
export function waitsForMe(me: Me, d: BoardItem): boolean {
  if (d.status !== 'in_review' || !d.stage) return false;
  const role = STAGE_ROLE[d.stage];
  if (!role || !me.roles.includes(role as never)) return false;
  return d.stage === 'propaganda' || me.unitId === d.unitId;
}

export const PHONE_QUERY = '(max-width: 480px)';

/** Whether the viewport is a phone's (follows rotation and resizing). */
export function usePhone(): boolean {
  return useSyncExternalStore(
    (l) => {
      const m = window.matchMedia(PHONE_QUERY);
      m.addEventListener('change', l);
      return () => m.removeEventListener('change', l);
    },
    () => window.matchMedia(PHONE_QUERY).matches,
  );
}

/** The phone's board (≤ 480 px): drafts waiting for me first, then the rest by stage, checking last. */
export function MyQueue({ me, columns: board, items, now }: { me: Me; columns: readonly BoardColumn[]; items: BoardItem[]; now: number }) {
  const phone = usePhone();
  if (!phone) return null;
  const mine = items.filter((d) => waitsForMe(me, d));
  const rest = items.filter((d) => !mine.includes(d));
  const columns = [...board.filter((c) => c.key !== 'checking'), ...board.filter((c) => c.key === 'checking')];
  const row = (d: BoardItem) => (
    <a key={d.id} className="queue-item" href={`#/drafts/${d.id}`} data-queue-draft={d.id} data-testid="queue-item">
      <span className="queue-title">{d.title}</span>
      <span className="muted small">
        {d.number} · {d.stageLabel ?? ''}
        {d.genre ? ` · ${d.genre}` : ''} · {d.unitName} · 本环节 {formatDuration(now - new Date(d.stageEnteredAt).getTime())}
      </span>
      {d.risks.some((r) => r.block > 0) && <span className="badge sev-block">有阻断问题</span>}
    </a>
  );
  return (
    <div className="my-queue" data-testid="my-queue">
      <section aria-label="待我审核">
        <h2>
          待我审核 <span className="count">{mine.length}</span>
        </h2>
        {mine.length === 0 ? <p className="muted empty">暂无待您审核的稿件</p> : mine.map(row)}
      </section>
      {columns.map((col) => {
        const cards = rest.filter((d) => inColumn(col, d));
        if (cards.length === 0) return null;
        return (
          <section key={col.key} aria-label={col.label} data-queue-column={col.key}>
            <h2>
              {col.label} <span className="count">{cards.length}</span>
            </h2>
            {cards.map(row)}
          </section>
        );
      })}
    </div>
  );
}
