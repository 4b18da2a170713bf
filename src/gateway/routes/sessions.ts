import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditorsBodySchema,
  AuditorsSchema,
  JustificationBodySchema,
  SESSION_LOG_SEARCH_LIMIT,
  SESSION_TEXT_PAGE_SIZE,
  SessionEventListSchema,
  SessionListSchema,
  SessionLogSearchQuerySchema,
  SessionLogSearchSchema,
  SessionLogsSchema,
  SessionQuerySchema,
  SessionSchema,
  SessionTextPageSchema,
  SessionTextQuerySchema,
} from '../../shared/api';
import { guarded, guardedSession, type Guard } from '../plugins/guard';
import type { SessionService } from '../services/sessions';
import type { SessionTextService } from '../services/sessionText';
import { BEARER_AUTH, ERRORS, SessionIdParamsSchema } from './common';
import { PURGED_RESPONSE, purgedText, refusePurged } from './purged';

export function sessionRoutes(
  sessions: SessionService,
  texts: SessionTextService,
  guard: Guard,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    const common = { tags: ['sessions'], security: BEARER_AUTH };
    const readLogs = () => guard.session('logs', { attempted: () => ({ type: 'Log viewer (attempted)' }) });

    app.get(
      '/sessions',
      {
        preHandler: guard.auditArea,
        schema: {
          ...common,
          summary: 'Remote sessions, newest first; scoped auditors see only the sessions they audit',
          querystring: SessionQuerySchema,
          response: { 200: SessionListSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, visibility } = guarded(request);
        return sessions.list(caller, visibility, request.query);
      },
    );

    app.get(
      '/sessions/export.csv',
      {
        preHandler: guard.auditArea,
        schema: {
          ...common,
          summary: 'The filtered list as CSV (streamed)',
          querystring: SessionQuerySchema,
          produces: ['text/csv'],
          response: {
            200: {
              description: 'CSV, header row first',
              content: { 'text/csv': { schema: { type: 'string' } } },
            },
            ...ERRORS,
          },
        },
      },
      async (request, reply) => {
        const { caller, visibility } = guarded(request);
        const stream = await sessions.exportCsv(caller, visibility, request.query);
        const day = new Date().toISOString().slice(0, 10);
        return (
          reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="vigil-sessions-${day}.csv"`)
            .header('cache-control', 'no-store')
            // Fastify pipes a Readable to the socket with backpressure; the typed reply only knows the schema.
            .send(stream as unknown as string)
        );
      },
    );

    app.get(
      '/sessions/:id',
      {
        preHandler: guard.session('view'),
        schema: {
          ...common,
          summary: 'One session with what the caller may do now',
          params: SessionIdParamsSchema,
          response: { 200: SessionSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return sessions.view(caller, session);
      },
    );

    app.get(
      '/sessions/:id/events',
      {
        // The events are part of the logs: a refusal is logged as a refused log viewing.
        preHandler: guard.session('events', { attempted: () => ({ type: 'Log viewer (attempted)' }) }),
        schema: {
          ...common,
          summary: "The session's audit events, oldest first (live or finished)",
          params: SessionIdParamsSchema,
          response: { 200: SessionEventListSchema, ...ERRORS },
        },
      },
      async (request) => sessions.events(guardedSession(request).session),
    );

    app.get(
      '/sessions/:id/logs',
      {
        preHandler: readLogs(),
        schema: {
          ...common,
          summary:
            'The logs of a finished session (session, user, risky commands, events, typed commands, first page of its text); 409 while live',
          params: SessionIdParamsSchema,
          response: { 200: SessionLogsSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        const text = purgedText(session) ?? (await texts.page(session.id, 0, SESSION_TEXT_PAGE_SIZE));
        return sessions.logs(caller, session, text);
      },
    );

    app.get(
      '/sessions/:id/logs/text',
      {
        preHandler: [readLogs(), refusePurged],
        schema: {
          ...common,
          summary:
            "A page of a finished session's text (lines with their session time): a terminal session's screen text as a person read it, a remote desktop's keys pressed (as typed text) and clicks; 409 while live, 410 once its recording was purged",
          params: SessionIdParamsSchema,
          querystring: SessionTextQuerySchema,
          response: { 200: SessionTextPageSchema, ...PURGED_RESPONSE, ...ERRORS },
        },
      },
      async (request) =>
        texts.page(
          guardedSession(request).session.id,
          request.query.offset ?? 0,
          request.query.limit ?? SESSION_TEXT_PAGE_SIZE,
        ),
    );

    app.get(
      '/sessions/:id/logs/search',
      {
        preHandler: readLogs(),
        schema: {
          ...common,
          summary:
            'Case-insensitive literal substring search over the session text and the typed commands, hits in session order; 409 while live',
          params: SessionIdParamsSchema,
          querystring: SessionLogSearchQuerySchema,
          response: { 200: SessionLogSearchSchema, ...ERRORS },
        },
      },
      async (request) =>
        texts.search(
          guardedSession(request).session.id,
          request.query.q,
          request.query.limit ?? SESSION_LOG_SEARCH_LIMIT,
        ),
    );

    app.put(
      '/sessions/:id/prevent-purge',
      {
        preHandler: guard.session('preventPurge', {
          attempted: () => ({ type: 'Prevent purge set (attempted)' }),
        }),
        schema: {
          ...common,
          summary:
            'Exempt the recording from purging (justification: 10-1000 characters); 409 when already set',
          params: SessionIdParamsSchema,
          body: JustificationBodySchema,
          response: { 200: SessionSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return sessions.setPreventPurge(caller, session, request.body.justification);
      },
    );

    app.delete(
      '/sessions/:id/prevent-purge',
      {
        preHandler: guard.session('preventPurge', {
          attempted: () => ({ type: 'Prevent purge cleared (attempted)' }),
        }),
        schema: {
          ...common,
          summary: 'Clear prevent-purge (justification required); 409 when it is not set',
          params: SessionIdParamsSchema,
          body: JustificationBodySchema,
          response: { 200: SessionSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return sessions.clearPreventPurge(caller, session, request.body.justification);
      },
    );

    app.get(
      '/sessions/:id/auditors',
      {
        preHandler: guard.session('configureAuditors'),
        schema: {
          ...common,
          summary: "The session's auditors",
          params: SessionIdParamsSchema,
          response: { 200: AuditorsSchema, ...ERRORS },
        },
      },
      async (request) => sessions.auditors(guardedSession(request).session),
    );

    app.put(
      '/sessions/:id/auditors',
      {
        preHandler: guard.session('configureAuditors', {
          attempted: () => ({ type: 'Auditors changed (attempted)' }),
        }),
        schema: {
          ...common,
          summary: "Replace the session's auditors (users holding an audit role)",
          params: SessionIdParamsSchema,
          body: AuditorsBodySchema,
          response: { 200: AuditorsSchema, ...ERRORS },
        },
      },
      async (request) => {
        const { caller, session } = guardedSession(request);
        return sessions.setAuditors(caller, session, request.body.userIds);
      },
    );
  };
}
