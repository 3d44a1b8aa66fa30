import { useEffect, useState, type FormEvent } from 'react';
import { api, qs } from '../../api';
import { useSession } from '../../session';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import { messageOf } from '../../components/admin/ErrorLine';
import { DataTable } from '../../components/admin/AdminParts';
import { SelectField } from '../../components/admin/SelectField';
import './records.css';

export const KIND_LABELS: Record<string, string> = { wechat: '微信公众号', channels: '视频号', weibo: '微博', douyin: '抖音', kuaishou: '快手', website: '网站', qq: 'QQ', other: '其他' };
export const LEVEL_LABELS: Record<string, string> = { school: '学校（一级）', unit: '二级单位', student_org: '学生组织' };
export const STATUS_LABELS: Record<string, string> = { pending: '待审批', returned: '已退回', registered: '已备案', deregistered: '已注销' };
const FILING_LABELS: Record<string, string> = { application: '备案申请', change: '变更', deregistration: '注销申请' };
const FILING_STATUS: Record<string, string> = { pending: '待审批', approved: '已通过', returned: '已退回' };
const FIELD_LABELS: Record<string, string> = { name: '账号名称', admins: '后台管理人员', responsibleId: '责任人' };

interface Person {
  id: string;
  name: string | null;
  staffId: string | null;
}
export interface RegistryEntry {
  id: string;
  name: string;
  kind: string;
  level: string;
  unitId: string;
  status: string;
  accountName: string | null;
  accountId: string | null;
  responsible: Person | null;
  admins: Array<{ userId: string; name: string; staffId: string | null; isStaff: boolean; phone: string | null }>;
  correspondents: Array<{ name: string; phone: string | null }>;
  positioning: string | null;
  openedOn: string | null;
  partner: string | null;
  registeredAt: string | null;
  deregisteredAt: string | null;
  filings?: Filing[];
}
interface Filing {
  id: string;
  kind: string;
  status: string;
  diff: Array<{ field: string; before: unknown; after: unknown }>;
  reason: string;
  changedOn: string | null;
  dueOn: string | null;
  late: boolean;
  filedBy: Person | null;
  filedAt: string;
  decidedBy: Person | null;
  decidedAt: string | null;
  decisionComment: string | null;
}
interface Staff {
  id: string;
  name: string;
  staffId: string | null;
}

const has = (roles: readonly string[], ...r: string[]) => r.some((x) => roles.includes(x));

/** 备案台账 (#/registry): filters, the register as a table, a drawer per account, and the application form. */
export function RegistryPage() {
  const { me, units } = useSession();
  const [filters, setFilters] = useState({ status: '', kind: '', level: '', unit: '' });
  const list = useResource(() => api.get<{ items: RegistryEntry[] }>(`/api/registry/platforms${qs(filters)}`), [filters.status, filters.kind, filters.level, filters.unit]);
  const [open, setOpen] = useState<string | null>(null);
  const [applying, setApplying] = useState(false);
  const canFile = has(me.roles, 'editor', 'propaganda', 'admin');
  const set = (k: keyof typeof filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const items = list.data?.items ?? [];

  return (
    <div className="records" data-testid="registry">
      <div className="card">
        <div className="toolbar" style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: 8 }}>
          <h2 style={{ margin: 0 }}>
            新媒体平台备案台账 <span className="count">{items.length}</span>
          </h2>
          {canFile && (
            <button type="button" className="primary" onClick={() => setApplying(true)} data-testid="apply-button">
              新建备案申请
            </button>
          )}
        </div>
        <div className="filters" role="search">
          <SelectField label="状态" name="status" value={filters.status} onChange={set('status')} choices={STATUS_LABELS} all="全部" />
          <SelectField label="类型" name="kind" value={filters.kind} onChange={set('kind')} choices={KIND_LABELS} all="全部" />
          <SelectField label="级别" name="level" value={filters.level} onChange={set('level')} choices={LEVEL_LABELS} all="全部" />
          <SelectField label="主管单位" name="unit" value={filters.unit} onChange={set('unit')} choices={[...units.values()]} all="全部" />
        </div>
      </div>
      <div className="card table-scroll">
        {list.error && <div className="error">{list.error.message}</div>}
        <DataTable testId="registry-table" columns={['账号名称', '类型', '级别', '主管单位', '责任人', '状态', '开通日期', '操作']}>
            {items.map((p) => (
              <tr key={p.id} data-platform={p.id}>
                <td className="wrap">
                  <strong>{p.name}</strong>
                  {p.accountId && <div className="muted small">{p.accountId}</div>}
                </td>
                <td>{KIND_LABELS[p.kind] ?? p.kind}</td>
                <td>{LEVEL_LABELS[p.level] ?? p.level}</td>
                <td>{units.get(p.unitId)?.name ?? '—'}</td>
                <td>{p.responsible ? `${p.responsible.name ?? ''}（${p.responsible.staffId ?? '—'}）` : '—'}</td>
                <td>
                  <span className={`badge status-${p.status}`}>{STATUS_LABELS[p.status] ?? p.status}</span>
                </td>
                <td>{p.openedOn ?? '—'}</td>
                <td>
                  <button type="button" className="link" onClick={() => setOpen(p.id)} data-testid="open-entry">
                    查看
                  </button>
                </td>
              </tr>
            ))}
        </DataTable>
        {list.data && items.length === 0 && <div className="empty">没有符合条件的备案账号{canFile ? '，可点击「新建备案申请」' : ''}</div>}
      </div>
      {applying && (
        <Drawer title="新建备案申请" onClose={() => setApplying(false)}>
          <ApplicationForm
            onDone={async (id) => {
              setApplying(false);
              await list.reload();
              setOpen(id);
            }}
          />
        </Drawer>
      )}
      {open && <EntryDrawer id={open} onClose={() => setOpen(null)} onChanged={() => void list.reload()} />}
    </div>
  );
}

export function Drawer({ title, onClose, children }: { title: string; onClose: () => void; children: React.ReactNode }) {
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [onClose]);
  return (
    <>
      <div className="drawer-mask" onClick={onClose} />
      <aside className="drawer" role="dialog" aria-label={title} data-testid="drawer">
        <header>
          <h2>{title}</h2>
          <button type="button" className="link" onClick={onClose} aria-label="关闭">
            ✕
          </button>
        </header>
        {children}
      </aside>
    </>
  );
}

function useStaff(unitId: string) {
  return useResource(() => (unitId ? api.get<{ items: Staff[] }>(`/api/registry/staff${qs({ unit: unitId })}`) : Promise.resolve({ items: [] as Staff[] })), [unitId]);
}

function ApplicationForm({ onDone }: { onDone: (id: string) => void }) {
  const { me, units } = useSession();
  const office = has(me.roles, 'propaganda', 'admin');
  const [form, setForm] = useState({ name: '', kind: 'wechat', level: 'unit', unitId: me.unitId ?? [...units.keys()][0] ?? '', accountName: '', accountId: '', responsibleId: '', positioning: '', openedOn: '', partner: '', correspondents: '' });
  const [admins, setAdmins] = useState<Array<{ userId: string; phone: string }>>([{ userId: '', phone: '' }]);
  const [error, setError] = useState<string | null>(null);
  const staff = useStaff(form.unitId);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const body = {
        name: form.name.trim(),
        kind: form.kind,
        level: form.level,
        unitId: form.unitId,
        accountName: form.accountName.trim() || undefined,
        accountId: form.accountId.trim() || undefined,
        responsibleId: form.responsibleId || undefined,
        admins: admins.filter((a) => a.userId),
        correspondents: form.correspondents
          .split(/[，,、\n]/)
          .map((s) => s.trim())
          .filter(Boolean)
          .map((name) => ({ name })),
        positioning: form.positioning.trim() || undefined,
        openedOn: form.openedOn || undefined,
        partner: form.partner.trim() || null,
      };
      const created = await api.post<RegistryEntry>('/api/registry/applications', body);
      onDone(created.id);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const staffOptions = (staff.data?.items ?? []).map((s) => (
    <option key={s.id} value={s.id}>
      {s.name}（{s.staffId ?? '无工号'}）
    </option>
  ));
  return (
    <form onSubmit={(e) => void submit(e)} style={{ display: 'contents' }} aria-label="备案申请表">
      <div className="drawer-body">
        <p className="muted small">按宣传部《新媒体平台备案表》填写；提交后由宣传部审批，通过前该账号不能投稿。责任人与后台管理人员须为在编教职工。</p>
        <div className="grid2">
          <label>
            账号名称
            <input name="name" value={form.name} onChange={set('name')} required maxLength={100} />
          </label>
          <label>
            平台账号（原始 ID / 网址）
            <input name="accountId" value={form.accountId} onChange={set('accountId')} required maxLength={100} />
          </label>
          <label>
            认证主体 / 账号名
            <input name="accountName" value={form.accountName} onChange={set('accountName')} required maxLength={100} />
          </label>
          <SelectField label="类型" name="kind" value={form.kind} onChange={set('kind')} choices={KIND_LABELS} />
          <SelectField label="级别" name="level" value={form.level} onChange={set('level')} choices={LEVEL_LABELS} />
          <SelectField label="主管单位" name="unitId" value={form.unitId} onChange={set('unitId')} choices={[...units.values()]} disabled={!office} />
          <label>
            责任人（在编）
            <select name="responsibleId" value={form.responsibleId} onChange={set('responsibleId')} required>
              <option value="">请选择</option>
              {staffOptions}
            </select>
          </label>
          <label>
            开通日期
            <input name="openedOn" type="date" value={form.openedOn} onChange={set('openedOn')} required />
          </label>
        </div>
        <fieldset className="card" style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
          <legend>后台管理人员（仅限在编教职工）</legend>
          {admins.map((a, i) => (
            <div className="admin-row" key={i}>
              <label style={{ flex: 2 }}>
                姓名（工号）
                <select name={`admin-${i}`} value={a.userId} onChange={(e) => setAdmins(admins.map((x, j) => (j === i ? { ...x, userId: e.target.value } : x)))} required={i === 0}>
                  <option value="">请选择</option>
                  {staffOptions}
                </select>
              </label>
              <label style={{ flex: 1 }}>
                电话
                <input name={`admin-phone-${i}`} value={a.phone} inputMode="tel" onChange={(e) => setAdmins(admins.map((x, j) => (j === i ? { ...x, phone: e.target.value } : x)))} required={!!a.userId} />
              </label>
              {admins.length > 1 && (
                <button type="button" className="link" onClick={() => setAdmins(admins.filter((_, j) => j !== i))}>
                  移除
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setAdmins([...admins, { userId: '', phone: '' }])} disabled={admins.length >= 20}>
            添加管理人员
          </button>
        </fieldset>
        <label>
          通讯员（以逗号分隔）
          <input name="correspondents" value={form.correspondents} onChange={set('correspondents')} maxLength={1000} />
        </label>
        <label>
          内容定位
          <textarea name="positioning" value={form.positioning} onChange={set('positioning')} required maxLength={500} />
        </label>
        <label>
          合作运营的校外机构（无则留空）
          <input name="partner" value={form.partner} onChange={set('partner')} maxLength={200} />
        </label>
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
      </div>
      <footer>
        <button type="submit" className="primary" data-testid="submit-application">
          提交备案申请
        </button>
      </footer>
    </form>
  );
}

function fieldValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (field === 'admins' && Array.isArray(value)) return value.map((a: { name?: string; staffId?: string | null }) => `${a.name ?? ''}（${a.staffId ?? '—'}）`).join('、');
  return String(value);
}

function EntryDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const { me, units } = useSession();
  const entry = useResource(() => api.get<RegistryEntry>(`/api/registry/platforms/${id}`), [id]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [changing, setChanging] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [verify, setVerify] = useState<{ ok: boolean; events: number } | null>(null);
  const office = has(me.roles, 'propaganda', 'admin');
  const p = entry.data;
  const mayFile = p && (office || (has(me.roles, 'editor') && me.unitId === p.unitId));

  const act = async (work: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await work();
      setNotice(done);
      await entry.reload();
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const decide = (filingId: string, action: 'approve' | 'return') => act(() => api.post(`/api/registry/filings/${filingId}/decision`, { action, comment }), action === 'approve' ? '已通过' : '已退回');

  return (
    <Drawer title={p ? p.name : '备案详情'} onClose={onClose}>
      <div className="drawer-body" data-testid="entry">
        {!p && <div className="loading">加载中…</div>}
        {p && (
          <>
            <div>
              <span className={`badge status-${p.status}`}>{STATUS_LABELS[p.status] ?? p.status}</span>
            </div>
            <dl className="kv">
              <dt>平台账号</dt>
              <dd>{p.accountId ?? '—'}</dd>
              <dt>认证主体</dt>
              <dd>{p.accountName ?? '—'}</dd>
              <dt>类型 / 级别</dt>
              <dd>
                {KIND_LABELS[p.kind] ?? p.kind} · {LEVEL_LABELS[p.level] ?? p.level}
              </dd>
              <dt>主管单位</dt>
              <dd>{units.get(p.unitId)?.name ?? '—'}</dd>
              <dt>责任人</dt>
              <dd>{p.responsible ? `${p.responsible.name}（工号 ${p.responsible.staffId ?? '—'}）` : '—'}</dd>
              <dt>后台管理人员</dt>
              <dd>
                {p.admins.length === 0
                  ? '—'
                  : p.admins.map((a) => (
                      <div key={a.userId} className={a.isStaff ? '' : 'error'}>
                        {a.name}（工号 {a.staffId ?? '—'}）{a.phone ? ` · ${a.phone}` : ''}
                        {!a.isStaff && ' · 非在编'}
                      </div>
                    ))}
              </dd>
              <dt>通讯员</dt>
              <dd>{p.correspondents.map((c) => c.name).join('、') || '—'}</dd>
              <dt>内容定位</dt>
              <dd>{p.positioning ?? '—'}</dd>
              <dt>开通日期</dt>
              <dd>{p.openedOn ?? '—'}</dd>
              <dt>校外合作</dt>
              <dd>{p.partner ?? '无'}</dd>
              <dt>备案时间</dt>
              <dd>{p.registeredAt ? formatTime(p.registeredAt) : '—'}</dd>
              {p.deregisteredAt && (
                <>
                  <dt>注销时间</dt>
                  <dd>{formatTime(p.deregisteredAt)}</dd>
                </>
              )}
            </dl>
            <h3 style={{ margin: '8px 0 0' }}>申请与变更记录</h3>
            {(p.filings ?? []).length === 0 && <div className="muted">无（管理员直接登记）</div>}
            {(p.filings ?? []).map((f) => (
              <div className="filing" key={f.id} data-testid="filing" data-kind={f.kind} data-status={f.status}>
                <div>
                  <strong>{FILING_LABELS[f.kind] ?? f.kind}</strong> · {FILING_STATUS[f.status] ?? f.status} · {f.filedBy?.name} 于 {formatTime(f.filedAt)} 提交
                </div>
                {f.kind === 'change' && (
                  <>
                    {f.diff.map((d) => (
                      <div key={d.field}>
                        {FIELD_LABELS[d.field] ?? d.field}：{fieldValue(d.field, d.before)} → {fieldValue(d.field, d.after)}
                      </div>
                    ))}
                    <div>
                      变更日期 {f.changedOn}，报备期限 {f.dueOn}
                      {f.late && <span className="late">（逾期报备）</span>}
                    </div>
                  </>
                )}
                {f.reason && <div className="muted">事由：{f.reason}</div>}
                {f.decidedBy && (
                  <div className="muted">
                    {f.decidedBy.name} 于 {formatTime(f.decidedAt!)} 处理{f.decisionComment ? `：${f.decisionComment}` : ''}
                  </div>
                )}
                {office && f.status === 'pending' && (
                  <div className="admin-row">
                    <input placeholder="审批意见（退回必填）" value={comment} onChange={(e) => setComment(e.target.value)} aria-label="审批意见" style={{ flex: 1 }} />
                    <button type="button" className="primary" onClick={() => void decide(f.id, 'approve')} data-testid="approve-filing">
                      通过
                    </button>
                    <button type="button" className="danger" onClick={() => void decide(f.id, 'return')}>
                      退回
                    </button>
                  </div>
                )}
              </div>
            ))}
            {changing && p.status === 'registered' && <ChangeForm entry={p} onDone={() => void act(async () => setChanging(false), '变更已报备，待宣传部审批')} />}
            {verify && (
              <div className={verify.ok ? 'notice notice-info' : 'notice notice-error'} data-testid="registry-verify">
                {verify.ok ? `备案审计链完整（${verify.events} 条事件）` : '备案审计链校验失败'}
              </div>
            )}
            {notice && <div className="notice notice-info">{notice}</div>}
            {error && (
              <div className="error" role="alert">
                {error}
              </div>
            )}
          </>
        )}
      </div>
      {p && (
        <footer>
          <a className="button" href={`#/annual?platform=${p.id}`}>
            年检报告
          </a>
          <button type="button" onClick={() => void api.get<{ ok: boolean; events: number }>(`/api/registry/platforms/${p.id}/trail/verify`).then(setVerify, (e: unknown) => setError(messageOf(e)))}>
            校验审计链
          </button>
          {mayFile && p.status === 'registered' && (
            <button type="button" onClick={() => setChanging(!changing)} data-testid="file-change">
              报备变更
            </button>
          )}
          {mayFile && (office ? p.status !== 'deregistered' : p.status === 'registered') && (
            <button type="button" className="danger" onClick={() => setConfirming(true)} data-testid="deregister">
              {office ? '注销' : '申请注销'}
            </button>
          )}
        </footer>
      )}
      {confirming && p && (
        <ConfirmDeregister
          name={p.name}
          direct={office}
          onCancel={() => setConfirming(false)}
          onConfirm={(reason) =>
            void act(async () => {
              await api.post(`/api/registry/platforms/${p.id}/deregister`, { reason });
              setConfirming(false);
            }, office ? '已注销：该账号不再接受投稿，历史记录保留' : '注销申请已提交，待宣传部审批')
          }
        />
      )}
    </Drawer>
  );
}

function ChangeForm({ entry, onDone }: { entry: RegistryEntry; onDone: () => void }) {
  const staff = useStaff(entry.unitId);
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({ name: entry.name, responsibleId: entry.responsible?.id ?? '', changedOn: today, reason: '' });
  const [admins, setAdmins] = useState(entry.admins.map((a) => ({ userId: a.userId, phone: a.phone ?? '' })));
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const adminsChanged = JSON.stringify(admins.map((a) => a.userId)) !== JSON.stringify(entry.admins.map((a) => a.userId)) || admins.some((a, i) => entry.admins[i]?.phone !== null && a.phone !== entry.admins[i]?.phone);
    try {
      await api.post(`/api/registry/platforms/${entry.id}/changes`, {
        ...(form.name.trim() !== entry.name ? { name: form.name.trim() } : {}),
        ...(form.responsibleId && form.responsibleId !== entry.responsible?.id ? { responsibleId: form.responsibleId } : {}),
        ...(adminsChanged && admins.every((a) => a.userId && a.phone) ? { admins } : {}),
        changedOn: form.changedOn,
        reason: form.reason,
      });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="报备变更" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <h3 style={{ margin: 0 }}>报备变更</h3>
      <p className="muted small">名称、后台管理人员、责任人变更须在变更后 5 个工作日内报备，经宣传部审批后生效；逾期报备将被标记。</p>
      <label>
        账号名称
        <input name="changeName" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} maxLength={100} />
      </label>
      <label>
        责任人
        <select name="changeResponsible" value={form.responsibleId} onChange={(e) => setForm({ ...form, responsibleId: e.target.value })}>
          <option value="">不变</option>
          {(staff.data?.items ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}（{s.staffId ?? '无工号'}）
            </option>
          ))}
        </select>
      </label>
      {admins.map((a, i) => (
        <div className="admin-row" key={i}>
          <label style={{ flex: 2 }}>
            管理人员 {i + 1}
            <select value={a.userId} onChange={(e) => setAdmins(admins.map((x, j) => (j === i ? { ...x, userId: e.target.value } : x)))}>
              <option value="">请选择</option>
              {(staff.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}（{s.staffId ?? '无工号'}）
                </option>
              ))}
            </select>
          </label>
          <label style={{ flex: 1 }}>
            电话
            <input value={a.phone} onChange={(e) => setAdmins(admins.map((x, j) => (j === i ? { ...x, phone: e.target.value } : x)))} inputMode="tel" />
          </label>
        </div>
      ))}
      <button type="button" onClick={() => setAdmins([...admins, { userId: '', phone: '' }])}>
        添加管理人员
      </button>
      <div className="grid2" style={{ display: 'grid', gridTemplateColumns: '1fr 2fr', gap: 8 }}>
        <label>
          变更日期
          <input type="date" name="changedOn" value={form.changedOn} max={today} onChange={(e) => setForm({ ...form, changedOn: e.target.value })} required />
        </label>
        <label>
          变更事由
          <input name="changeReason" value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} required maxLength={2000} />
        </label>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <button type="submit" className="primary" data-testid="submit-change">
        提交变更
      </button>
    </form>
  );
}

function ConfirmDeregister({ name, direct, onCancel, onConfirm }: { name: string; direct: boolean; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  return (
    <div className="modal-mask" role="alertdialog" aria-label="确认注销" data-testid="confirm-deregister">
      <div className="modal">
        <h3>{direct ? '确认注销' : '申请注销'}「{name}」？</h3>
        <p className="muted">注销后该账号不能再投稿；已有稿件、审核记录和备案历史全部保留，不可撤销。</p>
        <label>
          注销原因
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} name="deregisterReason" />
        </label>
        <div style={{ display: 'flex', gap: 8, justifyContent: 'flex-end' }}>
          <button type="button" onClick={onCancel}>
            取消
          </button>
          <button type="button" className="primary" disabled={reason.trim().length === 0} onClick={() => onConfirm(reason.trim())} data-testid="confirm-deregister-button">
            {direct ? '确认注销' : '提交注销申请'}
          </button>
        </div>
      </div>
    </div>
  );
}
