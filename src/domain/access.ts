import type { Role } from './workflow';

/** The signed-in person as every layer sees them. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  staffId: string | null;
  unitId: string | null;
  isStaff: boolean;
  roles: readonly Role[];
  /** After an admin's password reset: this session may only change its password (or sign out). */
  mustChangePassword?: boolean | undefined;
}

const SCHOOL_WIDE_ROLES: readonly Role[] = ['admin', 'auditor', 'propaganda'];
const UNIT_ROLES: readonly Role[] = ['editor', 'reviewer1', 'reviewer2', 'reviewer3'];

export const hasRole = (user: Pick<AuthUser, 'roles'>, ...roles: Role[]) => roles.some((r) => user.roles.includes(r));

/** Units whose drafts the user may see; `null` means every unit (宣传部, auditors, admins). */
export function unitScope(user: AuthUser): string[] | null {
  if (hasRole(user, ...SCHOOL_WIDE_ROLES)) return null;
  if (user.unitId && hasRole(user, ...UNIT_ROLES)) return [user.unitId];
  return [];
}

/** Read access to one draft, its trail and its review sheet: no cross-unit reads. */
export function canReadDraft(user: AuthUser, draft: { unitId: string; authorId: string }): boolean {
  if (draft.authorId === user.id) return true;
  const scope = unitScope(user);
  return scope === null || scope.includes(draft.unitId);
}

/** Editors submit to their own unit's (二级) platforms and to school-level (一级) platforms. */
export function canSubmitTo(user: AuthUser, platform: { unitId: string; level: string }): boolean {
  if (!hasRole(user, 'editor') || !user.unitId) return false;
  return platform.level === 'school' || platform.unitId === user.unitId;
}
