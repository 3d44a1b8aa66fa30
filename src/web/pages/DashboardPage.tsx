import { useEffect, useRef } from 'react';
import { api } from '../api';
import { echarts, type ChartOption } from '../charts';
import { useResource } from '../hooks';
import { categoryLabel, formatTime, STAGE_LABELS, STATUS_LABELS, ACTION_LABELS } from '../labels';
import { useLiveRefetch } from '../live';

interface Dashboards {
  perStage: Array<{ status: string; stage: string | null; n: number }>;
  stageTimes: Array<{ stage: string; period: 'today' | 'week'; n: number; p50: number; p90: number }>;
  workload: Array<{ reviewer: string; action: string; n: number }>;
  findingsByDay: Array<{ day: string; category: string; n: number }>;
  releases: Array<{ month: string; platform: string; n: number }>;
  quiet: Array<{ platform: string; lastRelease: string | null }>;
  queues: Array<{ name: string; counts: Record<string, number> | null }>;
}

const QUEUE_STATES: Array<[string, string]> = [
  ['waiting', '等待'],
  ['active', '执行中'],
  ['delayed', '延迟'],
  ['failed', '失败'],
];
const uniq = <T,>(xs: T[]) => [...new Set(xs)];

/** 数据看板: refreshed on every push (at most every 2 s) and every 5 s for the queue counts. */
export function DashboardPage() {
  const data = useResource(() => api.get<Dashboards>('/api/dashboards'), []);
  const last = useRef(0);
  const throttled = () => {
    if (Date.now() - last.current < 2_000) return;
    last.current = Date.now();
    void data.reload();
  };
  useLiveRefetch(throttled, () => true);
  const { reload } = data;
  useEffect(() => {
    const t = setInterval(() => void reload(), 5_000);
    return () => clearInterval(t);
  }, [reload]);

  if (data.error && !data.data) return <div className="error">数据看板加载失败：{data.error.message}</div>;
  const d = data.data;
  if (!d) return <div className="loading">加载中…</div>;

  const stageKey = (r: { status: string; stage: string | null }) => (r.status === 'in_review' ? (STAGE_LABELS[r.stage ?? ''] ?? r.stage ?? '') : (STATUS_LABELS[r.status] ?? r.status));
  const stageNames = uniq(d.perStage.map(stageKey));
  const ORDER = ['first', 'second', 'final', 'propaganda'];
  const times = uniq(d.stageTimes.map((t) => t.stage)).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const reviewers = uniq(d.workload.map((w) => w.reviewer));
  const days = uniq(d.findingsByDay.map((f) => f.day));
  const categories = uniq(d.findingsByDay.map((f) => f.category));
  const months = uniq(d.releases.map((r) => r.month));
  const platforms = uniq(d.releases.map((r) => r.platform));
  const hours = (s: number) => Math.round((s / 3600) * 100) / 100;

  return (
    <div className="dashboard" data-testid="dashboard">
      <Chart
        testId="chart-queues"
        option={{
          title: { text: '机审队列' },
          tooltip: {},
          legend: { bottom: 0 },
          xAxis: { type: 'category', data: QUEUE_STATES.map(([, l]) => l) },
          yAxis: { type: 'value', minInterval: 1 },
          series: d.queues.map((q) => ({ name: q.name, type: 'bar', data: QUEUE_STATES.map(([k]) => q.counts?.[k] ?? 0) })),
        }}
      />
      <Chart
        testId="chart-stages"
        option={{
          title: { text: '各环节稿件数' },
          tooltip: {},
          xAxis: { type: 'category', data: stageNames, axisLabel: { interval: 0 } },
          yAxis: { type: 'value', minInterval: 1 },
          series: [{ type: 'bar', data: stageNames.map((n) => d.perStage.filter((r) => stageKey(r) === n).reduce((a, r) => a + r.n, 0)), itemStyle: { color: '#b91c1c' } }],
        }}
      />
      <Chart
        testId="chart-stage-times"
        option={{
          title: { text: '各环节用时（小时，中位数 / P90）' },
          tooltip: {},
          legend: { bottom: 0 },
          xAxis: { type: 'category', data: times.map((s) => STAGE_LABELS[s] ?? s) },
          yAxis: { type: 'value' },
          series: (['today', 'week'] as const).flatMap((period) =>
            (['p50', 'p90'] as const).map((q) => ({
              name: `${period === 'today' ? '今日' : '本周'} ${q === 'p50' ? '中位数' : 'P90'}`,
              type: 'bar',
              data: times.map((s) => hours(d.stageTimes.find((t) => t.stage === s && t.period === period)?.[q] ?? 0)),
            })),
          ),
        }}
      />
      <Chart
        testId="chart-workload"
        option={{
          title: { text: '审核工作量（近 7 天）' },
          tooltip: {},
          legend: { bottom: 0 },
          xAxis: { type: 'category', data: reviewers },
          yAxis: { type: 'value', minInterval: 1 },
          series: ['approve', 'return', 'reject'].map((a) => ({
            name: ACTION_LABELS[a],
            type: 'bar',
            stack: 'w',
            data: reviewers.map((r) => d.workload.find((w) => w.reviewer === r && w.action === a)?.n ?? 0),
          })),
        }}
      />
      <Chart
        testId="chart-findings"
        option={{
          title: { text: '机审问题类别趋势（近 30 天）' },
          tooltip: { trigger: 'axis' },
          legend: { bottom: 0, type: 'scroll' },
          xAxis: { type: 'category', data: days },
          yAxis: { type: 'value', minInterval: 1 },
          series: categories.map((c) => ({ name: categoryLabel(c), type: 'line', data: days.map((day) => d.findingsByDay.find((f) => f.day === day && f.category === c)?.n ?? 0) })),
        }}
      />
      <Chart
        testId="chart-releases"
        option={{
          title: { text: '各平台月度发布数（年检更新频次）' },
          tooltip: {},
          legend: { bottom: 0, type: 'scroll' },
          xAxis: { type: 'category', data: months },
          yAxis: { type: 'value', minInterval: 1 },
          series: platforms.map((p) => ({ name: p, type: 'bar', data: months.map((m) => d.releases.find((r) => r.month === m && r.platform === p)?.n ?? 0) })),
        }}
      />
      <section className="card quiet" data-testid="quiet-platforms">
        <h3>超过 30 天未更新的平台</h3>
        {d.quiet.length === 0 ? (
          <p className="muted">无</p>
        ) : (
          <ul>
            {d.quiet.map((q) => (
              <li key={q.platform} className="error">
                {q.platform} · 最近发布：{q.lastRelease ? formatTime(q.lastRelease) : '从未发布'}
              </li>
            ))}
          </ul>
        )}
      </section>
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
