import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { FilingRow, PlatformRecord } from '../../db/registry.repository';
import type { AuthUser } from '../../domain/access';
import { forbidden } from '../../domain/errors';
import { platformChain } from '../../domain/registry';
import type { Role } from '../../domain/workflow';
import { draftTrail, verifyChains, type CheckpointStore } from '../../services/audit-trail.service';
import type { ServiceDeps } from '../../services/deps';
import {
  applyForPlatform,
  decideFiling,
  deregisterPlatform,
  fileChange,
  maySeeContacts,
  reapplyForPlatform,
  registryDetail,
  registryList,
  registryPeople,
  registryStaff,
} from '../../services/registry.service';
import { route } from '../route';
import { FilingDecisionSchema, IdParams, Uuid, RegistryChangeSchema, RegistryDeregisterSchema, RegistryFormSchema, RegistryListQuery } from '../schemas';

const StaffQuery = z.strictObject({ unit: Uuid });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).loose() } } });

type People = Map<string, { displayName: string; staffId: string | null; isStaff: boolean }>;

async function peopleOf(deps: ServiceDeps, ids: ReadonlyArray<string | null | undefined>): Promise<People> {
  const rows = await registryPeople(deps.db, [...new Set(ids.filter((x): x is string => !!x))]);
  return new Map(rows.map((u) => [u.id, u]));
}

const person = (people: People, id: string | null | undefined) => {
  const p = id ? people.get(id) : undefined;
  return id ? { id, name: p?.displayName ?? null, staffId: p?.staffId ?? null, isStaff: p?.isStaff ?? false } : null;
};

/** A register entry; phone numbers only for the office, auditors and the owning unit. */
export function presentPlatformRecord(p: PlatformRecord, people: People, contacts: boolean) {
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    level: p.level,
    unitId: p.unitId,
    status: p.status,
    accountName: p.accountName,
    accountId: p.accountId,
    responsible: person(people, p.responsibleId),
    admins: p.admins.map((a) => ({ userId: a.userId, name: a.name, staffId: a.staffId, isStaff: people.get(a.userId)?.isStaff ?? false, phone: contacts ? a.phone : null })),
    correspondents: p.correspondents.map((c) => ({ name: c.name, phone: contacts ? (c.phone ?? null) : null })),
    positioning: p.positioning,
    openedOn: p.openedOn,
    partner: p.partner,
    registeredAt: p.registeredAt,
    deregisteredAt: p.deregisteredAt,
    createdAt: p.createdAt,
  };
}

function presentFiling(f: FilingRow, people: People, contacts: boolean) {
  const diff = f.diff.map((d) =>
    d.field === 'admins' && !contacts
      ? {
          ...d,
          before: (d.before as Array<Record<string, unknown>> | null)?.map(({ phone: _p, ...rest }) => rest) ?? null,
          after: (d.after as Array<Record<string, unknown>>).map(({ phone: _p, ...rest }) => rest),
        }
      : d,
  );
  return {
    id: f.id,
    platformId: f.platformId,
    kind: f.kind,
    status: f.status,
    form: f.form,
    diff,
    reason: f.reason,
    changedOn: f.changedOn,
    dueOn: f.dueOn,
    late: f.late,
    filedBy: person(people, f.filedBy),
    filedAt: f.filedAt,
    decidedBy: person(people, f.decidedBy),
    decidedAt: f.decidedAt,
    decisionComment: f.decisionComment,
  };
}

/** 备案: the register of official accounts, its filings and each account's own audit chain. */
export function registryRouter(deps: ServiceDeps, registry: OpenAPIRegistry, checkpoints: CheckpointStore | null): Router {
  const router = Router();
  const tags = ['registry'];
  const filers: Role[] = ['editor', 'propaganda', 'admin'];
  const office: Role[] = ['propaganda', 'admin'];

  const detail = async (user: AuthUser, id: string) => {
    const { platform, filings } = await registryDetail(deps.db, id);
    const people = await peopleOf(deps, [platform.responsibleId, ...platform.admins.map((a) => a.userId), ...filings.flatMap((f) => [f.filedBy, f.decidedBy])]);
    const contacts = maySeeContacts(user, platform);
    return { ...presentPlatformRecord(platform, people, contacts), filings: filings.map((f) => presentFiling(f, people, contacts)) };
  };
  const readableTrail = async (user: AuthUser, id: string) => {
    const { platform } = await registryDetail(deps.db, id);
    if (!maySeeContacts(user, platform)) throw forbidden('只能查看本单位账号的备案记录');
    return platform;
  };

  route(
    router,
    registry,
    { method: 'get', path: '/api/registry/platforms', summary: '备案台账（按状态、类型、级别、单位筛选）', tags, roles: [], query: RegistryListQuery, responses: { 200: ok('备案账号') } },
    async ({ query, user }) => {
      const rows = await registryList(deps.db, { status: query.status, kind: query.kind, level: query.level, unitId: query.unit });
      const people = await peopleOf(
        deps,
        rows.flatMap((p) => [p.responsibleId, ...p.admins.map((a) => a.userId)]),
      );
      return { items: rows.map((p) => presentPlatformRecord(p, people, maySeeContacts(user, p))) };
    },
  );

  // The form's pickers: enabled staff of one unit (editors: their own unit only; the office: any).
  route(
    router,
    registry,
    { method: 'get', path: '/api/registry/staff', summary: '备案表可选人员（某单位的在编教职工）', tags, roles: filers, query: StaffQuery, responses: { 200: ok('在编人员') } },
    async ({ query, user }) => {
      const rows = await registryStaff(deps.db, user, query.unit);
      return { items: rows.map((u) => ({ id: u.id, name: u.displayName, staffId: u.staffId })) };
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/registry/platforms/:id', summary: '备案详情（含申请、变更、注销记录）', tags, roles: [], params: IdParams, responses: { 200: ok('备案详情') } },
    async ({ params, user }) => detail(user, params.id),
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/registry/applications', summary: '单位提交备案申请（完整备案表）', tags, roles: filers, body: RegistryFormSchema, responses: { 201: ok('已提交，待宣传部审批') } },
    async ({ body, user, res }) => {
      const { platform } = await applyForPlatform(deps, user, body);
      res.status(201).json(await detail(user, platform.id));
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/registry/platforms/:id/application',
      summary: '被退回的备案申请修改后重新提交',
      tags,
      roles: filers,
      params: IdParams,
      body: RegistryFormSchema,
      responses: { 200: ok('已重新提交') },
    },
    async ({ params, body, user }) => {
      await reapplyForPlatform(deps, user, params.id, body);
      return detail(user, params.id);
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/registry/platforms/:id/changes',
      summary: '报备变更（名称、后台管理人员、责任人；须宣传部审批，逾期报备标记）',
      tags,
      roles: filers,
      params: IdParams,
      body: RegistryChangeSchema,
      responses: { 201: ok('已报备，待审批') },
    },
    async ({ params, body, user, res }) => {
      const filing = await fileChange(deps, user, params.id, body);
      const people = await peopleOf(deps, [filing.filedBy]);
      res.status(201).json(presentFiling(filing, people, true));
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/registry/platforms/:id/deregister',
      summary: '注销（宣传部、管理员直接注销；单位提交注销申请）',
      tags,
      roles: filers,
      params: IdParams,
      body: RegistryDeregisterSchema,
      responses: { 200: ok('已注销或已提交注销申请') },
    },
    async ({ params, body, user }) => {
      const out = await deregisterPlatform(deps, user, params.id, body.reason);
      return { ...(await detail(user, params.id)), pendingFilingId: out.filing?.id ?? null };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/registry/filings/:id/decision',
      summary: '宣传部审批备案申请、变更或注销申请（通过 / 退回）',
      tags,
      roles: office,
      params: IdParams,
      body: FilingDecisionSchema,
      responses: { 200: ok('已处理') },
    },
    async ({ params, body, user }) => {
      const out = await decideFiling(deps, user, params.id, body);
      return detail(user, out.platform.id);
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/registry/platforms/:id/trail', summary: '账号的备案审计链', tags, roles: [], params: IdParams, responses: { 200: ok('审计事件') } },
    async ({ params, user }) => {
      const platform = await readableTrail(user, params.id);
      return { platformId: platform.id, events: await draftTrail(deps.db, platformChain(platform.id)) };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/registry/platforms/:id/trail/verify',
      summary: '校验账号的备案审计链（并与库外签名检查点比对）',
      tags,
      roles: [],
      params: IdParams,
      responses: { 200: ok('校验结果') },
    },
    async ({ params, user }) => {
      const platform = await readableTrail(user, params.id);
      const report = await verifyChains(deps.db, checkpoints, [platformChain(platform.id)]);
      const chain = report.chains[0];
      return { ok: report.ok, events: chain?.events ?? 0, head: chain?.head ?? null, firstBreak: report.firstBreak ?? null, invalidCheckpoints: report.invalidCheckpoints };
    },
  );

  return router;
}
