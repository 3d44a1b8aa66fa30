import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { api, ApiError } from './api';
import { ROLE_LABELS } from './labels';
import { live, useLiveState } from './live';
import { AdminPage } from './pages/admin/AdminPage';
import { AuditPage } from './pages/AuditPage';
import { BoardPage } from './pages/BoardPage';
import { DeskPage } from './pages/DeskPage';
import { ChangePasswordPage } from './pages/ChangePasswordPage';
import { LoginPage } from './pages/LoginPage';
import { ReviewPage } from './pages/ReviewPage';
import { NotificationBell } from './components/NotificationBell';
import { NotificationSettingsPage } from './pages/NotificationSettingsPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { RegistryPage } from './pages/records/RegistryPage';
import { VerifyPage } from './pages/records/VerifyPage';
import { match, navigate, usePath } from './router';
import { SessionContext, useSession } from './session';
import type { Me, Unit } from '../shared/api';

// ECharts is large: the dashboards load it on first visit only.
const DashboardPage = lazy(() => import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const AnnualPage = lazy(() => import('./pages/records/AnnualPage').then((m) => ({ default: m.AnnualPage })));

const has = (me: Me, ...roles: string[]) => roles.some((r) => me.roles.includes(r as never));

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [units, setUnits] = useState<Map<string, Unit>>(new Map());
  const path = usePath();

  const loadMe = useCallback(async () => {
    try {
      const user = await api.get<Me>('/api/auth/me');
      const list = await api.get<{ items: Unit[] }>('/api/admin/units').catch(() => ({ items: [] }));
      setUnits(new Map(list.items.map((u) => [u.id, u])));
      setMe(user);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setMe(null);
      else setMe(null);
    }
  }, []);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  useEffect(() => {
    if (!me || me.mustChangePassword) return;
    live.onSessionEnded = () => {
      live.stop();
      setMe(null);
    };
    live.start();
    return () => live.stop();
  }, [me]);

  const signOut = useCallback(async () => {
    await api.post('/api/auth/logout').catch(() => undefined);
    live.stop();
    setMe(null);
    navigate('/login');
  }, []);

  if (me === undefined) return <div className="loading">加载中…</div>;
  if (me === null) return <LoginPage onSignedIn={() => void loadMe()} />;
  if (me.mustChangePassword) return <ChangePasswordPage name={me.displayName} onChanged={() => void loadMe()} onSignOut={() => void signOut()} />;

  const home = has(me, 'reviewer1', 'reviewer2', 'reviewer3', 'propaganda') ? '/board' : has(me, 'editor') ? '/desk' : has(me, 'auditor') ? '/audit' : '/board';
  let page;
  let params: Record<string, string> | null;
  if ((params = match('/drafts/:id', path))) page = <ReviewPage key={params.id} id={params.id!} />;
  else if ((params = match('/audit/:id', path))) page = <AuditPage key={params.id} id={params.id!} />;
  else if (path.startsWith('/audit')) page = <AuditPage />;
  else if (path.startsWith('/desk')) page = <DeskPage />;
  else if (path.startsWith('/dashboard')) page = (
      <Suspense fallback={<div className="loading">加载中…</div>}>
        <DashboardPage />
      </Suspense>
    );
  else if (path.startsWith('/board')) page = <BoardPage />;
  else if (path.startsWith('/notifications')) page = <NotificationsPage />;
  else if (path.startsWith('/settings')) page = <NotificationSettingsPage />;
  else if (path.startsWith('/registry')) page = <RegistryPage />;
  else if ((params = match('/verify/:id/:hash', path))) page = <VerifyPage id={params.id!} hash={params.hash!} />;
  else if (path.startsWith('/annual')) page = (
      <Suspense fallback={<div className="loading">加载中…</div>}>
        <AnnualPage />
      </Suspense>
    );
  else if (path === '/admin' || path.startsWith('/admin/')) page = <AdminPage path={path} />;
  else {
    navigate(home);
    page = null;
  }

  return (
    <SessionContext.Provider value={{ me, units, signOut }}>
      <Header />
      <main className="page">{page}</main>
    </SessionContext.Provider>
  );
}

function Header() {
  const { me, units, signOut } = useSession();
  const state = useLiveState();
  const path = usePath();
  const link = (to: string, label: string) => (
    <a href={`#${to}`} className={path.startsWith(to) ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <header className="topbar">
      <div className="brand">三审三校 · 审核平台</div>
      <nav>
        {link('/board', '审核看板')}
        {has(me, 'editor') && link('/desk', '编辑台')}
        {has(me, 'auditor', 'admin', 'propaganda') && link('/audit', '审计')}
        {has(me, 'propaganda', 'admin', 'auditor') && link('/dashboard', '数据看板')}
        {link('/registry', '备案')}
        {has(me, 'propaganda', 'admin', 'auditor', 'editor') && link('/annual', '年检')}
        {has(me, 'admin') && link('/admin', '系统管理')}
        {has(me, 'admin') && (
          <a href="/admin/queues" target="_blank" rel="noopener">
            队列
          </a>
        )}
      </nav>
      <NotificationBell />
      <div className="who" data-testid="whoami">
        <span className={`live-dot live-${state}`} title={state === 'live' ? '实时连接正常' : '实时连接中断，正在重连'} data-testid="live-state" data-state={state} />
        <strong>{me.displayName}</strong>
        <span className="muted">{me.staffId ? `工号 ${me.staffId}` : ''}</span>
        <span className="muted">{me.unitId ? (units.get(me.unitId)?.name ?? '') : '全校'}</span>
        <span className="roles">{me.roles.map((r) => ROLE_LABELS[r] ?? r).join(' / ')}</span>
        <a href="#/settings" className="settings-link">
          设置
        </a>
        <button type="button" className="link" onClick={() => void signOut()}>
          退出
        </button>
      </div>
    </header>
  );
}
