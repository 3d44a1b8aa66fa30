/** Shapes of the API's JSON as the board reads them (the presenters in src/http are the source). */
export type Role = 'editor' | 'reviewer1' | 'reviewer2' | 'reviewer3' | 'propaganda' | 'auditor' | 'admin';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  staffId: string | null;
  unitId: string | null;
  isStaff: boolean;
  roles: Role[];
  /** After an admin's password reset: only the password can be changed until it is. */
  mustChangePassword?: boolean;
}

export interface Person {
  id: string;
  displayName?: string;
  username?: string;
  staffId?: string | null;
}

export interface BoardRisk {
  category: string;
  block: number;
  review: number;
}

export interface BoardItem {
  id: string;
  number: string;
  title: string;
  status: string;
  stage: string | null;
  stageLabel: string | null;
  version: number;
  major: boolean;
  genre?: string | null;
  escalated: boolean;
  unitId: string;
  unitName: string;
  platformId: string;
  platformName: string;
  authorName: string;
  stageEnteredAt: string;
  updatedAt: string;
  risks: BoardRisk[];
}

export interface BoardData {
  items: BoardItem[];
  /** Every column with its true total and the cursor of its next page. */
  columns: Array<{ key: string; total: number; nextCursor: string | null }>;
  sla: { warn: number; overdue: number };
  now: string;
}

export interface Finding {
  id: string;
  revisionId: string;
  check: string;
  category: string;
  severity: 'block' | 'review' | 'info';
  start: number;
  end: number;
  source: { field: 'title' | 'body'; start: number; end: number };
  matched: string;
  ruleId: string;
  message: string;
  suggestion: string | null;
  waived: { by: string; at: string; reason: string } | null;
  /** Who may waive it (config/waivers.ts): never / propaganda / stage. */
  waiverPolicy?: 'never' | 'propaganda' | 'stage';
  waiverPolicyLabel?: string;
  /** Whether the viewer may waive it now. */
  waivable?: boolean;
}

export interface Decision {
  id: string;
  stage: string;
  stageLabel: string;
  action: 'approve' | 'return' | 'reject';
  comment: string;
  round: number;
  revisionHash: string;
  reviewer: Person;
  at: string;
}

export interface RevisionSummary {
  id: string;
  number: number;
  kind: string;
  hash: string;
  createdAt: string;
  note: string | null;
  diff: unknown;
}

export interface DraftDetail {
  id: string;
  number: string;
  title: string;
  status: string;
  statusLabel: string;
  stage: string | null;
  stageLabel: string | null;
  version: number;
  round: number;
  major: boolean;
  genre?: string | null;
  escalated: boolean;
  unitId: string;
  platformId: string;
  author: Person;
  createdAt: string;
  stageEnteredAt: string;
  released: { hash: string; at: string } | null;
  requiredStages: string[];
  currentRevision: RevisionSummary & { title: string; body: string; format: string; origin: Record<string, unknown>; assets: unknown[] };
  revisions: RevisionSummary[];
  checkRuns: Array<{ check: string; status: string; attempts: number; error: string | null }>;
  findings: Finding[];
  decisions: Decision[];
  releaseGate: Array<{ code: string; message: string }>;
  allowedActions: string[];
  platformLevel?: 'school' | 'unit';
  route?: { stages: string[]; label: string };
  resubmission?: { statement: string; by: string; at: string } | null;
  autoReturn?: { findings: Array<{ id: string; message: string; matched: string; check: string; waiverPolicy: string; waiverPolicyLabel: string }> } | null;
}

export interface DraftListItem {
  id: string;
  number: string;
  title: string;
  status: string;
  stage: string | null;
  version: number;
  unitName: string;
  platformName: string;
  authorName: string;
  createdAt: string;
}

export interface Unit {
  id: string;
  name: string;
  code: string;
}
export interface Platform {
  id: string;
  name: string;
  kind: string;
  level: string;
  unitId: string;
}

export interface TrailEvent {
  id: number;
  seq: number;
  type: string;
  outcome: string;
  actorName: string;
  actorId: string | null;
  revisionId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  hash: string;
}

export interface ProofMark {
  id: string;
  draftId: string;
  revisionId: string;
  stage: string;
  stageLabel: string;
  kind: 'correction' | 'comment';
  start: number;
  end: number;
  source: { field: 'title' | 'body'; start: number; end: number };
  original: string;
  replacement: string | null;
  note: string;
  findingId: string | null;
  status: 'open' | 'accepted' | 'rejected' | 'applied';
  author: Person | null;
  createdAt: string;
  resolution: { by: Person | null; at: string; note: string | null } | null;
  appliedRevisionId: string | null;
}

export interface RevisionRef {
  id: string;
  number: number;
  kind: string;
  hash: string;
  createdAt: string;
  note: string | null;
  /** A proofreading edit's record of the proofreading bound (config/review.ts). */
  proofreadBound?: unknown;
}

export interface DiffChange {
  field: 'title' | 'body';
  start: number;
  at: number;
  removed: string;
  inserted: string;
  before: string;
  after: string;
}

export interface RevisionDiffData {
  from: RevisionRef;
  to: RevisionRef;
  changes: DiffChange[];
  totalChanges: number;
  changedFields: string[];
  checksPending: boolean;
  findings: { fixed: Finding[]; waived: Finding[]; introduced: Finding[]; remaining: Finding[] };
}

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  staffId: string | null;
  unitId: string | null;
  isStaff: boolean;
  roles: Role[];
  locked: boolean;
  disabled: boolean;
  lockedUntil?: string | null;
  mustChangePassword?: boolean;
  /** A 工号 this account shared with an older one before 工号 became unique (the account was disabled). */
  staffIdConflict?: string | null;
  /** Where e-mail notifications go (issue 14). */
  email?: string | null;
}

export interface DictionaryList {
  key: string;
  kind: string;
  category: string;
  label: string;
  file: string;
  terms: number;
  added: number;
  removed: number;
}

export interface DictionaryOverview {
  version: string;
  changeId: number | null;
  lastChangedAt: string | null;
  lists: DictionaryList[];
}

export interface DictionaryTerm {
  term: string;
  severity: string | null;
  note: string;
  flags: string[];
  source: 'baseline' | 'admin';
  line: number;
}

export interface DictionaryTermsPage {
  list: string;
  version: string;
  total: number;
  offset: number;
  limit: number;
  items: DictionaryTerm[];
}
