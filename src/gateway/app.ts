import type { Socket } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  type preValidationHookHandler,
} from 'fastify';
import { API_PREFIX } from '../shared/api';
import type { Store } from './db/store';
import { LiveHub } from './live/hub';
import type { ViewerLimits } from './live/viewers';
import { buildLiveApi } from './live/wiring';
import { errorBody, registerErrorHandling } from './plugins/errors';
import { createGuard, usesGuard } from './plugins/guard';
import { registerOpenApi } from './plugins/openapi';
import { validatorCompiler } from './plugins/validation';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { sessionRoutes } from './routes/sessions';
import { userRoutes } from './routes/users';
import { AttemptLog } from './services/attempts';
import { AuditService } from './services/audit';
import { systemClock, type Clock } from './services/caller';
import { DEFAULT_IDENTITY, IdentityService, type IdentityOptions } from './services/identity';
import { SessionService } from './services/sessions';

export const GATEWAY_VERSION = '0.1.0';

export interface AppDeps {
  store: Store;
  clock?: Clock;
  identity?: Partial<IdentityOptions>;
  /** pino options; false (the default) keeps tests quiet. */
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP without (tests use inject). */
  tls?: { key: string; cert: string };
  /** Where the protocol proxies register live sessions; server.ts shares one with the SSH proxy. */
  liveHub?: LiveHub;
  /** Flow control of Live Stream viewers (tests make them small). */
  viewerLimits?: Partial<ViewerLimits>;
}

/** Query strings of 100 KB must reach validation (and its 400) instead of Node's bare 431. */
const MAX_HEADER_BYTES = 256 * 1024;

/** Malformed HTTP (e.g. headers over the limit) still gets the error shape, as a 400. */
function answerClientError(error: Error, socket: Socket): void {
  if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody('BAD_REQUEST', 'Malformed or oversized HTTP request'));
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Plugins and routes, no listening: tests call `inject`, server.ts calls `listen`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const common = {
    logger: deps.logger ?? false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler: answerClientError,
    // Router-level refusals (over-long params, malformed URLs) get the error shape too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).status(400).send(errorBody('BAD_REQUEST', error.message.slice(0, 200)));
    },
  } satisfies FastifyServerOptions;
  // Fastify types its instance by server kind (http or https); nothing here depends on it.
  const app = (deps.tls === undefined
    ? Fastify({ ...common, http: { maxHeaderSize: MAX_HEADER_BYTES } })
    : Fastify({
        ...common,
        https: { key: deps.tls.key, cert: deps.tls.cert, maxHeaderSize: MAX_HEADER_BYTES },
      })) as unknown as FastifyInstance;

  app.setValidatorCompiler(validatorCompiler);
  app.decorateRequest('caller', null);
  app.decorateRequest('session', null);
  app.decorateRequest('visibility', null);
  registerErrorHandling(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  await registerOpenApi(app, GATEWAY_VERSION);

  const identity = new IdentityService(deps.store, clock, { ...DEFAULT_IDENTITY, ...deps.identity });
  const sessions = new SessionService(deps.store, clock);
  const audit = new AuditService(deps.store);
  const attempts = new AttemptLog(deps.store, clock);
  const guard = createGuard(identity, sessions, (caller, attempt) => attempts.record(caller, attempt));
  // Guarded routes authenticate before they validate input: an anonymous caller gets a 401,
  // not a 400 that would describe the route's schema.
  app.addHook('onRoute', (route) => {
    if (!usesGuard(route.preHandler)) return;
    const early = [route.preValidation ?? []].flat() as preValidationHookHandler[];
    route.preValidation = [guard.authenticated as unknown as preValidationHookHandler, ...early];
  });
  const liveHub = deps.liveHub ?? new LiveHub();
  const live = buildLiveApi(app, {
    store: deps.store,
    clock,
    identity,
    guard,
    hub: liveHub,
    viewerLimits: deps.viewerLimits,
  });

  await app.register(
    async (api) => {
      await api.register(authRoutes(identity, guard));
      await api.register(sessionRoutes(sessions, guard, liveHub));
      await api.register(live.liveRoutes);
      await api.register(live.blockRoutes);
      await api.register(userRoutes(sessions, guard));
      await api.register(auditRoutes(audit, guard));
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: API_PREFIX },
  );
  return app;
}
