import { useEffect, useRef, useState } from 'react';
import { api, qs } from '../../api';
import { useSession } from '../../session';
import { echarts, type ChartOption } from '../../charts';
import { useResource } from '../../hooks';
import { usePath } from '../../router';
import type { RegistryEntry } from './RegistryPage';
import './records.css';

interface PlatformAnnual {
  platformId: string;
  name: string;
  unit: string;
  months: Array<{ month: string; releases: number; counted: boolean }>;
  releases: number;
  silentMonths: number;
  silentMonthList: string[];
  minimum: number;
  meetsMinimum: boolean;
  zombie: boolean;
  blocked: { drafts: number };
  waivers: unknown[];
  corrections: number;
  retractions: number;
  review: { releases: number; complete: number };
  lateChanges: number;
  registryChanges: unknown[];
  adminsAllStaff: boolean;
}
interface AnnualReport {
  scope: 'platform' | 'school';
  period: { label: string; timeZone: string };
  rules: { minimum: number; zombieMonths: number };
  months: Array<{ month: string; releases: number }>;
  releases: number;
  silentMonths: number;
  meetsMinimum: boolean;
  zombie: boolean;
  platforms: PlatformAnnual[];
  summary?: { platforms: number; meetingMinimum: number; zombies: string[]; lateChanges: number };
}

const yes = (b: boolean) => (b ? '是' : '否');

/** 年检 (#/annual): update frequency per platform against the minimum, the inspection table, CSV / PDF / batch print. */
export function AnnualPage() {
  const { me } = useSession();
  const path = usePath();
  const initial = new URLSearchParams(path.split('?')[1] ?? '').get('platform') ?? '';
  const office = ['propaganda', 'auditor', 'admin'].some((r) => me.roles.includes(r as never));
  const [year, setYear] = useState(new Date().getFullYear());
  const [period, setPeriod] = useState<'calendar' | 'academic'>('calendar');
  const [platformId, setPlatformId] = useState(initial);
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const platforms = useResource(() => api.get<{ items: RegistryEntry[] }>('/api/registry/platforms'), []);
  const own = (platforms.data?.items ?? []).filter((p) => office || p.unitId === me.unitId);
  const chosen = office ? platformId : platformId || own[0]?.id || '';
  const query = { year, period, platformId: chosen || undefined };
  const report = useResource(() => (office || chosen ? api.get<AnnualReport>(`/api/reports/annual${qs(query)}`) : Promise.resolve(undefined)), [year, period, chosen]);
  const r = report.data;

  return (
    <div className="records" data-testid="annual">
      <div className="card">
        <h2 style={{ marginTop: 0 }}>年检：新媒体平台更新情况</h2>
        <div className="filters">
          <label>
            年度
            <input type="number" name="year" value={year} min={2000} max={2100} onChange={(e) => setYear(Number(e.target.value) || year)} />
          </label>
          <label>
            统计口径
            <select name="period" value={period} onChange={(e) => setPeriod(e.target.value as 'calendar' | 'academic')}>
              <option value="calendar">自然年（1—12 月）</option>
              <option value="academic">学年（上年 7 月—当年 6 月）</option>
            </select>
          </label>
          <label>
            范围
            <select name="platform" value={chosen} onChange={(e) => setPlatformId(e.target.value)}>
              {office && <option value="">全校</option>}
              {own.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <a className="button" href={`/api/reports/annual${qs({ ...query, format: 'csv' })}`} data-testid="annual-csv">
            导出 CSV
          </a>
          <a className="button" href={`/api/reports/annual${qs({ ...query, format: 'pdf' })}`} target="_blank" rel="noopener" data-testid="annual-pdf">
            打印年检报告（PDF）
          </a>
        </div>
      </div>
      {report.error && <div className="error card">{report.error.message}</div>}
      {!r && !report.error && <div className="loading">加载中…</div>}
      {r && (
        <>
          <div className="stats" data-testid="annual-stats">
            <Stat label={`${r.period.label}发布总数`} value={String(r.releases)} />
            <Stat label="空白月数（已结束月份）" value={String(r.silentMonths)} bad={r.silentMonths > 0} />
            <Stat label={`达标（≥${r.rules.minimum} 篇且每月更新）`} value={r.scope === 'school' ? `${r.summary?.meetingMinimum ?? 0} / ${r.summary?.platforms ?? 0}` : yes(r.meetsMinimum)} bad={!r.meetsMinimum} />
            <Stat label={`僵尸号（连续 ${r.rules.zombieMonths} 个月无发布）`} value={r.scope === 'school' ? String(r.summary?.zombies.length ?? 0) : yes(r.zombie)} bad={r.zombie} />
          </div>
          <Chart
            testId="chart-frequency"
            option={{
              title: { text: '各平台年度发布数与最低要求', textStyle: { fontSize: 14 } },
              tooltip: { trigger: 'axis' },
              legend: { bottom: 0 },
              grid: { left: 40, right: 16, top: 40, bottom: 70, containLabel: true },
              xAxis: { type: 'category', data: r.platforms.map((p) => p.name), axisLabel: { interval: 0, rotate: r.platforms.length > 4 || window.innerWidth < 700 ? 35 : 0, width: 90, overflow: 'truncate' } },
              yAxis: { type: 'value', minInterval: 1 },
              series: [
                { name: '发布数', type: 'bar', data: r.platforms.map((p) => ({ value: p.releases, itemStyle: { color: p.meetsMinimum ? '#16a34a' : '#b91c1c' } })) },
                { name: `最低要求（${r.rules.minimum} 篇）`, type: 'line', symbol: 'none', lineStyle: { type: 'dashed', color: '#d97706', width: 2 }, itemStyle: { color: '#d97706' }, data: r.platforms.map(() => r.rules.minimum) },
              ],
            }}
          />
          <Chart
            testId="chart-months"
            option={{
              title: { text: '逐月发布（每月至少 1 篇）', textStyle: { fontSize: 14 } },
              tooltip: { trigger: 'axis' },
              legend: { bottom: 0, type: 'scroll' },
              grid: { left: 40, right: 16, top: 40, bottom: 60 },
              xAxis: { type: 'category', data: r.months.map((m) => m.month.slice(2)) },
              yAxis: { type: 'value', minInterval: 1 },
              series: [
                ...r.platforms.map((p) => ({ name: p.name, type: 'bar', stack: 'all', data: p.months.map((m) => m.releases) })),
                { name: '每月最低 1 篇', type: 'line', symbol: 'none', lineStyle: { type: 'dashed', color: '#d97706' }, itemStyle: { color: '#d97706' }, data: r.months.map(() => 1) },
              ],
            }}
          />
          <div className="card table-scroll">
            <table className="table" data-testid="annual-table">
              <thead>
                <tr>
                  <th>平台</th>
                  <th>主管单位</th>
                  <th>发布</th>
                  <th>空白月</th>
                  <th>达标</th>
                  <th>僵尸号</th>
                  <th>阻断 / 豁免</th>
                  <th>纠错 / 撤稿</th>
                  <th>审核完整</th>
                  <th>变更（逾期）</th>
                  <th>管理员在编</th>
                </tr>
              </thead>
              <tbody>
                {r.platforms.map((p) => (
                  <tr key={p.platformId}>
                    <td>{p.name}</td>
                    <td>{p.unit}</td>
                    <td>{p.releases}</td>
                    <td className="wrap">{p.silentMonthList.map((m) => m.slice(5)).join('、') || '无'}</td>
                    <td className={p.meetsMinimum ? '' : 'error'}>{yes(p.meetsMinimum)}</td>
                    <td className={p.zombie ? 'error' : ''}>{yes(p.zombie)}</td>
                    <td>
                      {p.blocked.drafts} / {p.waivers.length}
                    </td>
                    <td>
                      {p.corrections} / {p.retractions}
                    </td>
                    <td>
                      {p.review.complete} / {p.review.releases}
                    </td>
                    <td className={p.lateChanges ? 'error' : ''}>
                      {p.registryChanges.length}（{p.lateChanges}）
                    </td>
                    <td className={p.adminsAllStaff ? '' : 'error'}>{yes(p.adminsAllStaff)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {r.platforms.length === 0 && <div className="empty">该期间没有在册的平台</div>}
          </div>
          <div className="card filters" aria-label="批量打印审稿单">
            <strong style={{ width: '100%' }}>批量打印审稿单（归档）</strong>
            <label>
              月份
              <input type="month" name="month" value={month} onChange={(e) => setMonth(e.target.value)} />
            </label>
            {(chosen ? own.filter((p) => p.id === chosen) : own).slice(0, 50).map((p) => (
              <a key={p.id} className="button" href={`/api/reports/review-sheets.pdf${qs({ platformId: p.id, month })}`} target="_blank" rel="noopener">
                {p.name}
              </a>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function Stat({ label, value, bad }: { label: string; value: string; bad?: boolean }) {
  return (
    <div className={`stat${bad ? ' bad' : ''}`}>
      <div className="value">{value}</div>
      <div className="label">{label}</div>
    </div>
  );
}

function Chart({ option, testId }: { option: ChartOption; testId: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);
  useEffect(() => {
    if (!el.current) return;
    chart.current = echarts.init(el.current, undefined, { renderer: 'canvas' });
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return <div className="chart card" ref={el} data-testid={testId} />;
}
