import { Fragment, useState } from 'react';
import { api, qs } from '../../api';
import { useSession } from '../../session';
import { useResource } from '../../hooks';
import { formatTime, STATUS_LABELS } from '../../labels';
import { ErrorLine, messageOf } from '../../components/admin/ErrorLine';
import { DataTable } from '../../components/admin/AdminParts';
import { SelectField } from '../../components/admin/SelectField';

const CHECK_LABELS: Record<string, string> = { sensitive: '敏感词', advertising: '广告', secrecy: '保密', copyright: '版权', proofreading: '校对', escalation: '重大事项' };

interface RuleExample {
  findingId: string;
  draftId: string;
  draftNumber: string;
  draftGenre: string | null;
  matched: string;
  kind: 'waived' | 'reported';
  reason: string;
  at: string;
}
interface RuleStat {
  ruleId: string;
  checkId: string;
  category: string;
  hits: number;
  waived: number;
  reported: number;
  returnedFor: number;
  falseAlarms: number;
  precision: number | null;
  examples: RuleExample[];
}

const pct = (p: number | null) => (p === null ? '—' : `${Math.round(p * 1000) / 10}%`);

/**
 * 规则反馈 (issue 11): per rule, how often it fired in the last N days, how often reviewers waived it or reported it as
 * a false alarm, how often the draft was returned with it standing, and the precision that follows; the false alarms
 * as examples, each of which an admin turns into a whitelist entry in one step (through the dictionary overlay).
 */
export function RuleFeedbackAdmin() {
  const { me } = useSession();
  const [days, setDays] = useState(90);
  const [check, setCheck] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const stats = useResource(() => api.get<{ days: number; rules: RuleStat[] }>(`/api/admin/rule-feedback${qs({ days, check })}`), [days, check]);
  const rules = stats.data?.rules ?? [];
  return (
    <>
    <section className="card rule-feedback" data-testid="rule-feedback">
      <div className="toolbar">
        <h2>
          规则反馈 <span className="count">{rules.length}</span>
        </h2>
        <label>
          时间范围
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label="时间范围">
            <option value={30}>近 30 天</option>
            <option value={90}>近 90 天</option>
            <option value={365}>近一年</option>
          </select>
        </label>
        <SelectField label="检查项" value={check} onChange={(e) => setCheck(e.target.value)} choices={CHECK_LABELS} all="全部" ariaLabel="检查项" />
      </div>
      <p className="muted small">每次豁免、每次“报告误报”计为一次误报；稿件带着该问题被退回计为一次命中。准确率 =（命中数 − 误报数）÷ 命中数。</p>
      {notice && <div className="notice notice-info" role="status">{notice}</div>}
      {stats.error && <ErrorLine error={stats.error.message} />}
      {!stats.error && stats.data && rules.length === 0 && <p className="muted">近 {days} 天没有需复核或阻断级别的机审问题。</p>}
      {rules.length > 0 && (
        <div className="table-wrap">
          <DataTable testId="rule-feedback-table" columns={['规则', '检查项', '命中', '豁免', '报告误报', '退回', '准确率', '']}>
              {rules.map((r) => (
                <Fragment key={r.ruleId}>
                  <tr data-rule={r.ruleId} className={r.precision !== null && r.precision < 0.8 ? 'low-precision' : ''}>
                    <td className="rule-id">
                      <code>{r.ruleId}</code>
                    </td>
                    <td data-label="检查项">{CHECK_LABELS[r.checkId] ?? r.checkId}</td>
                    <td data-col="hits" data-label="命中">{r.hits}</td>
                    <td data-col="waived" data-label="豁免">{r.waived}</td>
                    <td data-col="reported" data-label="报告误报">{r.reported}</td>
                    <td data-col="returned" data-label="退回">{r.returnedFor}</td>
                    <td data-col="precision" data-label="准确率">
                      <strong>{pct(r.precision)}</strong>
                    </td>
                    <td>
                      {r.examples.length > 0 && (
                        <button type="button" className="link" onClick={() => setOpen(open === r.ruleId ? null : r.ruleId)} aria-expanded={open === r.ruleId}>
                          误报示例 {r.examples.length}
                        </button>
                      )}
                    </td>
                  </tr>
                  {open === r.ruleId && (
                    <tr className="examples-row">
                      <td colSpan={8}>
                        <ul className="rule-examples">
                          {r.examples.map((e) => (
                            <Example key={`${e.kind}-${e.findingId}`} e={e} canWhitelist={me.roles.includes('admin')} onDone={(text) => {
                              setNotice(text);
                              void stats.reload();
                            }} />
                          ))}
                        </ul>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
          </DataTable>
        </div>
      )}
    </section>
    <ShadowTermsPanel canEdit={me.roles.includes('admin')} />
    </>
  );
}

interface ShadowTerm {
  id: string;
  list: string;
  term: string;
  severity: string;
  note: string;
  status: 'shadow' | 'promoted' | 'discarded';
  createdAt: string;
}
interface ShadowPreview {
  scanned: number;
  wouldFlag: number;
  byState: { released: number; inFlight: number; newSinceShadow: number };
  drafts: Array<{ draftId: string; number: string; status: string; title: string; isNew: boolean; findings: Array<{ matched: string; severity: string }> }>;
  /** Hits the check worker recorded as drafts arrived (shadow_hits). */
  recorded: { hits: number; drafts: number; revisions: number; items: Array<{ draftId: string; number: string; status: string; title: string; revisionId: string; matched: string; at: string }> };
}
const SHADOW_STATUS: Record<string, string> = { shadow: '静默运行中', promoted: '已启用', discarded: '已放弃' };
const SHADOW_LISTS = ['sensitive.politics', 'sensitive.religion', 'sensitive.drugs', 'sensitive.gambling', 'sensitive.rumour-safety', 'sensitive.illegal-services', 'advertising.promotion', 'advertising.absolute', 'secrecy.internal', 'secrecy.personnel', 'escalation.emergency', 'escalation.hot-topic'];

/**
 * 影子规则: a new or changed term runs silently; the preview shows which new, in-flight and released drafts it
 * would flag; 启用 adds it to its list through the dictionary overlay (versioned, audited, 回溯检查), 放弃 drops it.
 */
function ShadowTermsPanel({ canEdit }: { canEdit: boolean }) {
  const items = useResource(() => api.get<{ items: ShadowTerm[] }>('/api/admin/shadow-terms'), []);
  const [list, setList] = useState('sensitive.rumour-safety');
  const [term, setTerm] = useState('');
  const [severity, setSeverity] = useState('review');
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ id: string; data: ShadowPreview } | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await items.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <section className="card shadow-terms" data-testid="shadow-terms">
      <h2>影子规则</h2>
      <p className="muted small">新增或修改的词条先静默运行：不产生审核人看到的问题，只在预览中显示它会命中哪些新稿、在审稿和已发布稿；确认后再启用。</p>
      {canEdit && (
        <form
          className="shadow-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await api.post('/api/admin/shadow-terms', { list, term: term.trim(), severity });
              setTerm('');
            });
          }}
        >
          <select value={list} onChange={(e) => setList(e.target.value)} aria-label="词表">
            {SHADOW_LISTS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <input value={term} onChange={(e) => setTerm(e.target.value)} placeholder="词条" aria-label="影子词条" maxLength={64} />
          <select value={severity} onChange={(e) => setSeverity(e.target.value)} aria-label="级别">
            <option value="block">阻断</option>
            <option value="review">需复核</option>
            <option value="info">提示</option>
          </select>
          <button type="submit" disabled={!term.trim()}>
            静默试运行
          </button>
        </form>
      )}
      <ErrorLine error={error ?? items.error?.message ?? null} />
      {items.data && items.data.items.length === 0 && <p className="muted">暂无影子规则</p>}
      <ul className="shadow-list">
        {(items.data?.items ?? []).map((t) => (
          <li key={t.id} data-shadow={t.term}>
            <code>{t.list}</code> 「{t.term}」 <span className="badge">{SHADOW_STATUS[t.status]}</span> <span className="muted small">{formatTime(t.createdAt)}</span>
            {t.status === 'shadow' && (
              <span className="shadow-actions">
                <button type="button" className="link" data-action="shadow-preview" onClick={() => void run(async () => setPreview({ id: t.id, data: await api.get<ShadowPreview>(`/api/admin/shadow-terms/${t.id}/preview`) }))}>
                  预览命中
                </button>
                {canEdit && (
                  <>
                    <button type="button" className="link" data-action="shadow-promote" onClick={() => window.confirm(`启用「${t.term}」？启用后新稿件即按此词检查，并对已发布稿件回溯检查。`) && void run(() => api.post(`/api/admin/shadow-terms/${t.id}/promote`))}>
                      启用
                    </button>
                    <button type="button" className="link" data-action="shadow-discard" onClick={() => window.confirm(`放弃影子规则「${t.term}」？`) && void run(() => api.post(`/api/admin/shadow-terms/${t.id}/discard`))}>
                      放弃
                    </button>
                  </>
                )}
              </span>
            )}
            {preview?.id === t.id && (
              <div className="shadow-preview" data-testid="shadow-preview">
                <div data-testid="shadow-recorded">
                  来稿时记录：<strong data-col="recorded-drafts">{preview.data.recorded.drafts}</strong> 篇稿件、{preview.data.recorded.revisions} 个版本、{preview.data.recorded.hits} 处命中（机审时静默运行，不进入审核）
                </div>
                <ul>
                  {preview.data.recorded.items.slice(0, 20).map((h) => (
                    <li key={`${h.revisionId}-${h.matched}-${h.at}`} data-recorded-draft={h.draftId}>
                      <a href={`#/drafts/${h.draftId}`}>{h.number}</a> {h.title} · {STATUS_LABELS[h.status] ?? h.status} · 「{h.matched}」 · {formatTime(h.at)}
                    </li>
                  ))}
                </ul>
                回溯扫描 {preview.data.scanned} 篇，会命中 <strong data-col="would-flag">{preview.data.wouldFlag}</strong> 篇（已发布 {preview.data.byState.released}，在审 {preview.data.byState.inFlight}，其中试运行后新投 {preview.data.byState.newSinceShadow}）
                <ul>
                  {preview.data.drafts.map((d) => (
                    <li key={d.draftId}>
                      <a href={`#/drafts/${d.draftId}`}>{d.number}</a> {d.title} · {STATUS_LABELS[d.status] ?? d.status}
                      {d.isNew ? ' · 新稿' : ''} · 「{d.findings.map((f) => f.matched).join('、')}」
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Example({ e, canWhitelist, onDone }: { e: RuleExample; canWhitelist: boolean; onDone: (text: string) => void }) {
  const [phrase, setPhrase] = useState(e.matched);
  const [scope, setScope] = useState<'school' | 'unit' | 'genre'>('school');
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const where =
      scope === 'school'
        ? '全校白名单？此后所有稿件的检查都不再提示该短语内的命中（可在“词库 → 白名单”中删除）'
        : scope === 'unit'
          ? '该稿件所属单位的白名单？此后该单位稿件的检查不再提示该短语内的命中'
          : `体裁「${e.draftGenre ?? ''}」的白名单？此后该体裁稿件的检查不再提示该短语内的命中`;
    if (!window.confirm(`将「${phrase}」加入${where}。`)) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ version: string; phrase: string }>('/api/admin/rule-feedback/whitelist', { findingId: e.findingId, phrase, scope });
      onDone(
        scope === 'school'
          ? `已将「${r.phrase}」加入白名单（词库版本 ${r.version.slice(0, 12)}），新稿件即按新词库检查。`
          : scope === 'unit'
            ? `已将「${r.phrase}」加入本单位白名单，该单位的新稿件不再提示。`
            : `已将「${r.phrase}」加入体裁「${e.draftGenre ?? ''}」白名单，该体裁的新稿件不再提示。`,
      );
      setEditing(false);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li data-example={e.findingId}>
      <span className={`badge ${e.kind === 'waived' ? 'sev-waived' : 'sev-review'}`}>{e.kind === 'waived' ? '豁免' : '报告误报'}</span> 「{e.matched}」 ·{' '}
      <a href={`#/drafts/${e.draftId}`}>{e.draftNumber}</a> · {formatTime(e.at)}
      {e.reason && <span className="muted"> · {e.reason}</span>}
      {canWhitelist &&
        (editing ? (
          <div className="whitelist-form">
            <input value={phrase} onChange={(ev) => setPhrase(ev.target.value)} aria-label="白名单短语" maxLength={64} />
            <select aria-label="适用范围" value={scope} onChange={(ev) => setScope(ev.target.value as 'school' | 'unit' | 'genre')}>
              <option value="school">全校</option>
              <option value="unit">本稿所属单位</option>
              {e.draftGenre && <option value="genre">本稿体裁（{e.draftGenre}）</option>}
            </select>
            <button type="button" disabled={busy || !phrase.trim()} onClick={() => void submit()} data-action="whitelist-confirm">
              加入白名单
            </button>
            <button type="button" className="link" onClick={() => setEditing(false)}>
              取消
            </button>
            <ErrorLine error={error} />
          </div>
        ) : (
          <button type="button" className="link" onClick={() => setEditing(true)} data-action="whitelist">
            加入白名单…
          </button>
        ))}
    </li>
  );
}
