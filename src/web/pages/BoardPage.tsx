import { useMemo, useRef, useState } from 'react';
import { api, qs } from '../api';
import { useSession } from '../session';
import { CardPresence, usePresence } from '../components/Presence';
import { MyQueue } from '../components/MyQueue';
import { useResource, useTick } from '../hooks';
import { formatDuration, riskChips } from '../labels';
import { useLiveRefetch } from '../live';
import type { DraftPresence } from '../../shared/socket-contract';
import { inColumn, type BoardData, type BoardItem, type Platform } from '../../shared/api';

export function BoardPage() {
  const { units, me } = useSession();
  const [text, setText] = useState('');
  const [unit, setUnit] = useState('');
  const [platform, setPlatform] = useState('');
  const [onlyRisky, setOnlyRisky] = useState(false);
  const board = useResource(() => api.get<BoardData>(`/api/board${qs({ text: text.trim(), unit, platform })}`), [text, unit, platform]);
  const platforms = useResource(() => api.get<{ items: Platform[] }>('/api/admin/platforms'), []);
  const presence = usePresence();
  // Further pages of single columns, valid for the board data they were fetched under (a reload starts over).
  const [extra, setExtra] = useState<{ for: BoardData | undefined; columns: Record<string, { items: BoardItem[]; next: string | null }> }>({ for: undefined, columns: {} });
  const [loadingColumn, setLoadingColumn] = useState<string | null>(null);
  const extraColumns = extra.for === board.data ? extra.columns : {};
  const more = async (key: string, cursor: string) => {
    setLoadingColumn(key);
    try {
      const page = await api.get<BoardData>(`/api/board${qs({ text: text.trim(), unit, platform, column: key, cursor })}`);
      const known = extraColumns[key]?.items ?? [];
      setExtra({ for: board.data, columns: { ...extraColumns, [key]: { items: [...known, ...page.items], next: page.columns[0]?.nextCursor ?? null } } });
    } finally {
      setLoadingColumn(null);
    }
  };

  // Versions shown now; a push with a newer version (or an unknown draft) triggers a refetch.
  const shown = useRef(new Map<string, number>());
  const all = [...(board.data?.items ?? []), ...Object.values(extraColumns).flatMap((c) => c.items)];
  shown.current = new Map(all.map((d) => [d.id, d.version]));
  useLiveRefetch(
    () => void board.reload(),
    (e) => (shown.current.get(e.id) ?? 0) < e.version,
  );

  // Server time offset, so SLA colours follow the database clock.
  const now = useTick(15_000);
  const skew = useMemo(() => (board.data ? new Date(board.data.now).getTime() - Date.now() : 0), [board.data]);
  const items = all.filter((d) => !onlyRisky || d.risks.some((r) => r.block > 0 || r.review > 0));

  return (
    <div className="board-page">
      <div className="toolbar">
        <input type="search" placeholder="搜索稿件编号、标题、作者" value={text} onChange={(e) => setText(e.target.value)} aria-label="搜索" />
        <select value={unit} onChange={(e) => setUnit(e.target.value)} aria-label="单位">
          <option value="">全部单位</option>
          {[...units.values()].map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
        <select value={platform} onChange={(e) => setPlatform(e.target.value)} aria-label="平台">
          <option value="">全部平台</option>
          {(platforms.data?.items ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={onlyRisky} onChange={(e) => setOnlyRisky(e.target.checked)} /> 仅看有风险
        </label>
        {board.error && <span className="error">看板加载失败：{board.error.message}</span>}
      </div>
      {/* On a phone (≤ 480 px) the columns give way to "my queue" (CSS decides which one shows). */}
      <MyQueue me={me} columns={board.data?.columns ?? []} items={items} now={now + skew} />
      <div className="board" data-testid="board">
        {/* The columns the server sends, in its order (config/stages.ts decides the stages). */}
        {(board.data?.columns ?? []).map((col) => {
          const cards = items.filter((d) => inColumn(col, d));
          const total = col.total;
          const loaded = all.filter((d) => inColumn(col, d)).length;
          const next = extraColumns[col.key] ? extraColumns[col.key]!.next : col.nextCursor;
          return (
            <section key={col.key} className="column" data-column={col.key} aria-label={col.label}>
              <h2>
                {col.label} <span className="count" data-testid="column-total" title={`共 ${total} 件`}>{onlyRisky ? `${cards.length}/${total}` : total}</span>
              </h2>
              {cards.map((d) => (
                <Card key={d.id} draft={d} now={now + skew} sla={board.data!.sla} presence={presence.get(d.id)} />
              ))}
              {next && (
                <button type="button" className="column-more" data-testid="column-more" disabled={loadingColumn === col.key} onClick={() => void more(col.key, next)}>
                  {loadingColumn === col.key ? '加载中…' : `已显示 ${loaded} / ${total}，加载更多`}
                </button>
              )}
            </section>
          );
        })}
      </div>
    </div>
  );
}

function Card({ draft, now, sla, presence }: { draft: BoardItem; now: number; sla: { warn: number; overdue: number }; presence: DraftPresence | undefined }) {
  const inStage = now - new Date(draft.stageEnteredAt).getTime();
  const hours = inStage / 3_600_000;
  const slaClass = hours >= sla.overdue ? 'sla-overdue' : hours >= sla.warn ? 'sla-warn' : 'sla-ok';
  return (
    <a className={`card draft-card ${slaClass}`} href={`#/drafts/${draft.id}`} data-draft-id={draft.id} data-version={draft.version} data-testid="draft-card">
      <div className="card-head">
        <span className="number">{draft.number}</span>
        {draft.status === 'checks_failed' && <span className="badge sev-block">机审失败</span>}
        {(draft.major || draft.escalated) && <span className="badge major">重大</span>}
      </div>
      <div className="title">{draft.title}</div>
      <div className="meta">
        {draft.genre && (
          <span className="badge genre" data-testid="card-genre">
            {draft.genre}
          </span>
        )}
        {draft.unitName} · {draft.platformName} · {draft.authorName}
      </div>
      {draft.risks.length > 0 && (
        <div className="risks">
          {riskChips(draft.risks).map((r) => (
            <span key={r.label} className={`badge ${r.className} ${r.block > 0 ? 'sev-block' : 'sev-review'}`} title={`阻断 ${r.block}，需复核 ${r.review}`} data-testid="risk-chip">
              {r.label} {r.block + r.review}
            </span>
          ))}
        </div>
      )}
      <CardPresence presence={presence} />
      <div className={`sla ${slaClass}`} title={`超过 ${sla.warn} 小时提醒，超过 ${sla.overdue} 小时超时`}>
        本环节 {formatDuration(inStage)}
      </div>
    </a>
  );
}
