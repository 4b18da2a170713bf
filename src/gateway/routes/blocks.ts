import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BlockListSchema, BlockQuerySchema, BlockSchema } from '../../shared/api';
import { decideBlockedUsersReport } from '../../shared/policy';
import { guarded, type Guard } from '../plugins/guard';
import type { LiveControlService } from '../services/liveControl';
import { BEARER_AUTH, ERRORS } from './common';

const BlockIdParamsSchema = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

/** The Blocked users report. */
export function blockRoutes(control: LiveControlService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    const common = { tags: ['blocks'], security: BEARER_AUTH };

    app.get(
      '/blocks',
      {
        preHandler: guard.policy(decideBlockedUsersReport),
        schema: {
          ...common,
          summary: 'Interactivity blocks, newest first; an active block refuses the operator new sessions',
          querystring: BlockQuerySchema,
          response: { 200: BlockListSchema, ...ERRORS },
        },
      },
      async (request) => control.listBlocks(request.query),
    );

    app.post(
      '/blocks/:id/release',
      {
        preHandler: guard.policy(decideBlockedUsersReport, {
          attempted: async (request) => ({
            type: 'Interactivity unlocked (attempted)',
            sessionId: await control.sessionOfBlock((request.params as { id: number }).id),
          }),
        }),
        schema: {
          ...common,
          summary:
            "Release a block (and the operator's input if the session is still live); 409 when released",
          params: BlockIdParamsSchema,
          response: { 200: BlockSchema, ...ERRORS },
        },
      },
      async (request) => control.releaseBlock(guarded(request).caller, request.params.id),
    );
  };
}
