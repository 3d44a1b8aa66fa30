import { Fragment, useState } from 'react';
import { api, qs } from '../../api';
import { useSession } from '../../app';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import { ErrorLine, messageOf } from './AdminPage';

const CHECK_LABELS: Record<string, string> = { sensitive: '敏感词', advertising: '广告', secrecy: '保密', copyright: '版权', proofreading: '校对', escalation: '重大事项' };

interface RuleExample {
  findingId: string;
  draftId: string;
  draftNumber: string;
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
        <label>
          检查项
          <select value={check} onChange={(e) => setCheck(e.target.value)} aria-label="检查项">
            <option value="">全部</option>
            {Object.entries(CHECK_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">每次豁免、每次“报告误报”计为一次误报；稿件带着该问题被退回计为一次命中。准确率 =（命中数 − 误报数）÷ 命中数。</p>
      {notice && <div className="notice notice-info" role="status">{notice}</div>}
      {stats.error && <ErrorLine error={stats.error.message} />}
      {!stats.error && stats.data && rules.length === 0 && <p className="muted">近 {days} 天没有需复核或阻断级别的机审问题。</p>}
      {rules.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="rule-feedback-table">
            <thead>
              <tr>
                <th>规则</th>
                <th>检查项</th>
                <th>命中</th>
                <th>豁免</th>
                <th>报告误报</th>
                <th>退回</th>
                <th>准确率</th>
                <th />
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Example({ e, canWhitelist, onDone }: { e: RuleExample; canWhitelist: boolean; onDone: (text: string) => void }) {
  const [phrase, setPhrase] = useState(e.matched);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!window.confirm(`将「${phrase}」加入全校白名单？此后所有检查都不再提示该短语内的命中（可在“词库 → 白名单”中删除）。`)) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ version: string; phrase: string }>('/api/admin/rule-feedback/whitelist', { findingId: e.findingId, phrase, scope: 'school' });
      onDone(`已将「${r.phrase}」加入白名单（词库版本 ${r.version.slice(0, 12)}），新稿件即按新词库检查。`);
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
            <select aria-label="适用范围" defaultValue="school">
              <option value="school">全校</option>
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
