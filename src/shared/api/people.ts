/** People, units and platforms as the API sends them (src/http/presenters.ts builds them). */

import type { IsoTime } from './time';

export type { IsoTime } from './time';

export type Role = 'editor' | 'reviewer1' | 'reviewer2' | 'reviewer3' | 'propaganda' | 'auditor' | 'admin';

/** GET /api/auth/me: the signed-in person. */
export interface Me {
  id: string;
  username: string;
  displayName: string;
  staffId: string | null;
  unitId: string | null;
  isStaff: boolean;
  roles: Role[];
  /** After an admin's password reset: only the password can be changed until it is. */
  mustChangePassword: boolean;
}

/** Someone named on a draft; only the id when the person is unknown (a deleted or foreign account). */
export interface Person {
  id: string;
  displayName?: string;
  username?: string;
  staffId?: string | null;
}

/** One account as 系统管理 sees it (GET /api/admin/users and every user change). */
export interface AdminUser extends Me {
  locked: boolean;
  lockedUntil: IsoTime | null;
  disabled: boolean;
  /** A 工号 this account shared with an older one before 工号 became unique (the account was disabled). */
  staffIdConflict: string | null;
  /** Where e-mail notifications go (issue 14). */
  email: string | null;
}

/** GET /api/admin/units: reference data every signed-in user reads. */
export interface Unit {
  id: string;
  name: string;
  code: string;
  createdAt: IsoTime;
}

/** GET /api/admin/platforms (the 备案 fields of a platform are the registry's: GET /api/registry). */
export interface Platform {
  id: string;
  name: string;
  kind: string;
  level: string;
  unitId: string;
}
