import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import { claimDraft, listPresence, unclaimDraft, type ClaimsPort } from '../../services/claims.service';
import type { ServiceDeps } from '../../services/deps';
import { route } from '../route';
import { IdParams } from '../schemas';

export const ClaimSchema = z.strictObject({}).openapi('ClaimRequest');
export const PresenceQuery = z.strictObject({ draft: z.uuid().optional() });

const PresenceSchema = z
  .object({
    draftId: z.string(),
    seq: z.int(),
    claim: z.object({ by: z.object({ id: z.string(), name: z.string() }), stage: z.string(), since: z.string() }).nullable(),
    viewers: z.array(z.object({ id: z.string(), name: z.string() })),
    viewerCount: z.int(),
  })
  .openapi('DraftPresence');
const ok = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });

/**
 * 认领 and 谁在看 over HTTP: claims are user actions (authorized and audited like every other), and a board that
 * (re)connects refetches the current hints here. Live changes arrive as `presence.changed` on the socket.
 */
export function claimsRouter(deps: ServiceDeps & { presence?: ClaimsPort | undefined }, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['认领与在线'];
  const port = (): ClaimsPort => {
    if (!deps.presence) throw new DomainError('service_unavailable', '实时服务未启用');
    return deps.presence;
  };

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/claim',
      summary: '认领稿件（软锁：提示他人本环节由我处理，不阻止他人作出结论；须是当前环节的合格审核人）',
      tags,
      roles: [],
      params: IdParams,
      body: ClaimSchema,
      responses: { 200: ok('认领后的在线状态', PresenceSchema), 409: ok('已由他人认领，或稿件不在审核环节', PresenceSchema) },
    },
    async ({ params, user }) => claimDraft(deps, port(), user, params.id),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/unclaim',
      summary: '取消认领（只有认领人可以取消；未认领时无操作）',
      tags,
      roles: [],
      params: IdParams,
      body: ClaimSchema,
      responses: { 200: ok('取消后的在线状态', PresenceSchema) },
    },
    async ({ params, user }) => unclaimDraft(deps, port(), user, params.id),
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/presence',
      summary: '当前用户可见稿件的认领人与正在查看的人（看板重连时拉取；draft 参数只取一篇）',
      tags,
      roles: [],
      query: PresenceQuery,
      responses: { 200: ok('在线状态', z.object({ items: z.array(PresenceSchema) })) },
    },
    async ({ query, user }) => ({ items: await listPresence(deps, port(), user, query.draft) }),
  );
  return router;
}
