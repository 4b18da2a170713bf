import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { EventType } from '../../shared/events';
import type { Permission } from '../../shared/permissions';
import {
  canSeeSession,
  decide,
  decideGlobal,
  decideSessionEvents,
  seesAllSessions,
  type Decision,
  type Principal,
  type SessionAction,
} from '../../shared/policy';
import type { SessionRecord, Visibility } from '../db/sessionTypes';
import { badRequest, conflict, forbidden, GatewayError, notFound, unauthorized } from '../errors';
import type { Caller } from '../services/caller';
import type { IdentityService } from '../services/identity';
import type { SessionService } from '../services/sessions';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    session: SessionRecord | null;
    visibility: Visibility | null;
  }
}

/**
 * The one place where the gateway authorizes. Routes declare what they need with these
 * preHandlers; the decisions come from src/shared/policy.ts, as do the `allowedActions` the
 * responses carry, so the UI never offers what this guard would refuse.
 *
 * Order of answers: 401 (no valid token) → 403 (no audit role, or a missing permission)
 * → 404 (the session does not exist, or the caller may not see it at all: we do not reveal
 * whether it exists) → 409 (allowed, but not in the session's current state).
 */
export interface Guard {
  /** Any logged-in user. */
  authenticated: preHandlerAsyncHookHandler;
  /** The audit area; also fixes which sessions the caller's lists contain. */
  auditArea: preHandlerAsyncHookHandler;
  /** A gateway-wide permission (inside the audit area). */
  permission(permission: Permission, options?: GuardOptions): preHandlerAsyncHookHandler;
  /** A gateway-wide decision of the shared policy (inside the audit area). */
  policy(decision: (principal: Principal) => Decision, options?: GuardOptions): preHandlerAsyncHookHandler;
  /**
   * One session, by `:id`: 'view' needs only that the caller may see it; 'events' (its audit
   * events) follows the logs rule in any state of the session.
   */
  session(action: SessionCheck, options?: GuardOptions): preHandlerAsyncHookHandler;
  /**
   * The checks of `session()` for an already authenticated caller outside a route's preHandler
   * (a live viewer whose ticket is redeemed later); throws the same errors.
   */
  authorizeSession(caller: Caller, id: number, action: SessionCheck): Promise<SessionRecord>;
}

/** What a session route asks of the caller. */
export type SessionCheck = SessionAction | 'view' | 'events';

/** The "(attempted)" events: every 403 on a route that names one is logged. */
export type AttemptedEventType = Extract<EventType, `${string} (attempted)`>;

export interface Attempt {
  type: AttemptedEventType;
  sessionId: number | null;
  /** Why it was refused (the 403's reason). */
  note: string;
}

export type AttemptRecorder = (caller: Caller, attempt: Attempt) => void | Promise<void>;

export interface AttemptedEvent {
  type: AttemptedEventType;
  sessionId?: number | null;
}

export interface GuardOptions {
  /**
   * The "(attempted)" event a 403 on this route logs. `sessionId` defaults to the route's `:id`
   * when that session exists (it is logged even when the caller may not learn that it exists).
   */
  attempted?: (request: FastifyRequest) => AttemptedEvent | Promise<AttemptedEvent>;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,512})$/;

const NEEDS_CALLER = Symbol('vigil.needsCaller');

/** Marks a guard hook, so app.ts can authenticate its routes before validating their input. */
function needsCaller(hook: preHandlerAsyncHookHandler): preHandlerAsyncHookHandler {
  Object.defineProperty(hook, NEEDS_CALLER, { value: true });
  return hook;
}

/** Whether a route's preHandler hooks include one of this guard's checks. */
export function usesGuard(hooks: unknown): boolean {
  return [hooks].flat().some((h) => typeof h === 'function' && NEEDS_CALLER in h);
}

function enforce(decision: Decision): void {
  if (decision.allowed) return;
  throw decision.kind === 'state' ? conflict(decision.reason, 'INVALID_STATE') : forbidden(decision.reason);
}

export function createGuard(
  identity: IdentityService,
  sessions: SessionService,
  recordAttempt: AttemptRecorder = () => undefined,
): Guard {
  const authenticate = async (request: FastifyRequest): Promise<Caller> => {
    if (request.caller !== null) return request.caller;
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw unauthorized('Authentication required: send Authorization: Bearer TOKEN');
    }
    const match = BEARER.exec(header);
    const caller = match === null ? null : await identity.authenticate(match[1]!, request.ip);
    if (caller === null)
      throw unauthorized('The token is invalid, expired or revoked: log in again', 'INVALID_TOKEN');
    request.caller = caller;
    return caller;
  };

  const auditArea = async (request: FastifyRequest): Promise<Caller> => {
    const caller = await authenticate(request);
    enforce(decideGlobal(caller.principal, null));
    request.visibility = seesAllSessions(caller.principal)
      ? { kind: 'all' }
      : { kind: 'audited', userId: caller.userId };
    return caller;
  };

  const authorizeSession = async (
    caller: Caller,
    id: number,
    action: SessionCheck,
  ): Promise<SessionRecord> => {
    const session = await sessions.find(caller, id);
    if (session === null || !canSeeSession(caller.principal, { isAuditor: session.isAuditor })) {
      throw notFound(`Session ${id} not found`);
    }
    if (action === 'events')
      enforce(
        decideSessionEvents(caller.principal, {
          isAuditor: session.isAuditor,
          isOperator: session.isOperator,
        }),
      );
    else if (action !== 'view')
      enforce(
        decide(caller.principal, action, {
          status: session.status,
          isAuditor: session.isAuditor,
          isOperator: session.isOperator,
        }),
      );
    return session;
  };

  const routeSessionId = async (request: FastifyRequest, caller: Caller): Promise<number | null> => {
    const id = (request.params as { id?: unknown } | undefined)?.id;
    return typeof id === 'number' && (await sessions.find(caller, id)) !== null ? id : null;
  };

  /** Runs a check; a 403 on a route with an "(attempted)" event logs it before answering. */
  const logRefusals =
    (
      options: GuardOptions | undefined,
      check: (request: FastifyRequest) => Promise<void>,
    ): preHandlerAsyncHookHandler =>
    async (request: FastifyRequest, _reply: FastifyReply) => {
      try {
        await check(request);
      } catch (error) {
        const caller = request.caller;
        if (
          options?.attempted !== undefined &&
          caller !== null &&
          error instanceof GatewayError &&
          error.statusCode === 403
        ) {
          const { type, sessionId } = await options.attempted(request);
          await recordAttempt(caller, {
            type,
            sessionId: sessionId === undefined ? await routeSessionId(request, caller) : sessionId,
            note: error.message,
          });
        }
        throw error;
      }
    };

  return {
    authenticated: needsCaller(async (request: FastifyRequest, _reply: FastifyReply) => {
      await authenticate(request);
    }),
    auditArea: needsCaller(async (request: FastifyRequest, _reply: FastifyReply) => {
      await auditArea(request);
    }),
    permission: (permission, options) =>
      needsCaller(
        logRefusals(options, async (request) => {
          const caller = await auditArea(request);
          enforce(decideGlobal(caller.principal, permission));
        }),
      ),
    policy: (decision, options) =>
      needsCaller(
        logRefusals(options, async (request) => {
          enforce(decision((await auditArea(request)).principal));
        }),
      ),
    session: (action, options) =>
      needsCaller(
        logRefusals(options, async (request) => {
          const caller = await auditArea(request);
          const id = (request.params as { id?: unknown }).id;
          if (typeof id !== 'number') throw badRequest('params.id must be a session id');
          request.session = await authorizeSession(caller, id, action);
        }),
      ),
    authorizeSession,
  };
}

/** For handlers behind a guard: the values it established (a missing one is a wiring bug). */
export function guarded(request: FastifyRequest): {
  caller: Caller;
  visibility: Visibility;
  session: SessionRecord | null;
} {
  if (request.caller === null) throw new Error('Route is missing its guard');
  return {
    caller: request.caller,
    visibility: request.visibility ?? { kind: 'audited', userId: request.caller.userId },
    session: request.session,
  };
}

export function guardedSession(request: FastifyRequest): { caller: Caller; session: SessionRecord } {
  const { caller, session } = guarded(request);
  if (session === null) throw new Error('Route is missing its session guard');
  return { caller, session };
}
