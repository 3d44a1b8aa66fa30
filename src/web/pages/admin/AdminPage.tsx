import { useSession } from '../../session';
import { DictionariesAdmin } from './DictionariesAdmin';
import { NotificationsAdmin } from './NotificationsAdmin';
import { GalleryAdmin } from './GalleryAdmin';
import { PlatformsAdmin } from './PlatformsAdmin';
import { RuleFeedbackAdmin } from './RuleFeedbackAdmin';
import { UnitsAdmin } from './UnitsAdmin';
import { UsersAdmin } from './UsersAdmin';

const TABS = [
  { key: 'users', label: '用户与角色' },
  { key: 'units', label: '单位' },
  { key: 'platforms', label: '发布平台' },
  { key: 'dictionaries', label: '词库' },
  { key: 'notifications', label: '通知渠道' },
  { key: 'rule-feedback', label: '规则反馈' },
  { key: 'gallery', label: '图库' },
] as const;

/** 系统管理 (#/admin/<tab>): admins only; the API refuses everyone else whatever this page shows. */
export function AdminPage({ path }: { path: string }) {
  const { me } = useSession();
  const tab = TABS.find((t) => t.key === path.split('?')[0]!.split('/')[2])?.key ?? 'users';
  if (!me.roles.includes('admin')) return <div className="error card">只有系统管理员可以访问此页面</div>;
  return (
    <div className="admin" data-testid="admin">
      <nav className="admin-tabs" aria-label="系统管理">
        {TABS.map((t) => (
          <a key={t.key} href={`#/admin/${t.key}`} className={t.key === tab ? 'active' : ''} data-tab={t.key}>
            {t.label}
          </a>
        ))}
        <a href="/admin/queues" target="_blank" rel="noopener" data-tab="queues">
          队列监控 ↗
        </a>
      </nav>
      {tab === 'users' && <UsersAdmin />}
      {tab === 'units' && <UnitsAdmin />}
      {tab === 'platforms' && <PlatformsAdmin />}
      {tab === 'dictionaries' && <DictionariesAdmin />}
      {tab === 'notifications' && <NotificationsAdmin />}
      {tab === 'rule-feedback' && <RuleFeedbackAdmin />}
      {tab === 'gallery' && <GalleryAdmin />}
    </div>
  );
}
