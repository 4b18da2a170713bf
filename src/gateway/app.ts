import type { Socket } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  type preValidationHookHandler,
} from 'fastify';
import { API_PREFIX } from '../shared/api';
import { AccessWatcher } from './live/accessWatcher';
import { AlertSockets } from './live/alerts/alertSockets';
import { SessionUpdates } from './live/updatesSocket';
import { routeUpgrades } from './live/upgrade';
import { errorBody, registerErrorHandling } from './plugins/errors';
import { createGuard, usesGuard } from './plugins/guard';
import { registerOpenApi } from './plugins/openapi';
import { validatorCompiler } from './plugins/validation';
import { auditRoutes } from './routes/audit';
import { evidenceRoutes } from './routes/evidence';
import { auditMarkRoutes } from './routes/auditMarks';
import { authRoutes } from './routes/auth';
import { alertRoutes } from './routes/alerts';
import { blockRoutes } from './routes/blocks';
import { liveRoutes } from './routes/live';
import { recordingRoutes } from './routes/recordings';
import { rdpApiRoutes, registerOperatorPage, type RdpRouteDeps } from './routes/rdp';
import { searchRoutes } from './routes/search';
import { sessionRoutes } from './routes/sessions';
import { userRoutes } from './routes/users';
import { createGatewayServices, type GatewayServiceOptions, type GatewayServices } from './services';

export const GATEWAY_VERSION = '0.1.0';

/**
 * The services the app serves: built once by server.ts and shared with the protocol proxies, or
 * built here from their options (tests that drive the app alone).
 */
export type AppDeps = ({ services: GatewayServices } | GatewayServiceOptions) & {
  /** pino options; false (the default) keeps tests quiet. */
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP without (tests use inject). */
  tls?: { key: string; cert: string };
  /** The RDP proxy and the operator's page that reaches it (`/rdp/`); absent, the gateway has no RDP side. */
  rdp?: Pick<RdpRouteDeps, 'proxy' | 'page' | 'tickets'>;
};

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
  const services = 'services' in deps ? deps.services : createGatewayServices(deps);
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

  const { identity, sessions, audit, attempts, hub, liveControl, tickets, viewers } = services;
  const guard = createGuard(identity, sessions, (caller, attempt) => attempts.record(caller, attempt));
  // Guarded routes authenticate before they validate input: an anonymous caller gets a 401,
  // not a 400 that would describe the route's schema.
  app.addHook('onRoute', (route) => {
    if (!usesGuard(route.preHandler)) return;
    const early = [route.preValidation ?? []].flat() as preValidationHookHandler[];
    route.preValidation = [guard.authenticated as unknown as preValidationHookHandler, ...early];
  });
  // The WebSocket side: upgrades go through the router, so the guard answers them like requests.
  const wss = routeUpgrades(app);
  const rdp: RdpRouteDeps | undefined =
    deps.rdp === undefined ? undefined : { ...deps.rdp, store: services.store, guard, wss };
  const updates = new SessionUpdates(services.live.changes, identity, guard);
  app.addHook('onClose', async () => updates.dispose());
  const alerts = new AlertSockets(services.alertFeed, services.store, identity, services.clock);
  app.addHook('onClose', async () => alerts.dispose());
  // Access taken away (logout, or the CLI in another process) ends sessions and streams it covered.
  const watcher = new AccessWatcher(
    services.store,
    hub,
    [viewers, updates, alerts],
    services.clock,
    undefined,
    app.log,
  );
  await watcher.start();
  app.addHook('onClose', async () => watcher.stop());
  // Text builds in progress stop before the store they write to closes.
  app.addHook('onClose', async () => services.sessionText.close());
  // The search index catches up in the background and stops before the store closes.
  services.searchIndexer.start();
  app.addHook('onClose', async () => services.searchIndexer.close());

  await app.register(
    async (api) => {
      await api.register(authRoutes(identity, guard));
      await api.register(sessionRoutes(sessions, services.sessionText, guard));
      await api.register(searchRoutes(services.search, guard));
      await api.register(
        liveRoutes({
          guard,
          control: liveControl,
          tickets,
          updates,
          wss,
          identity,
          live: services.live,
          viewers,
        }),
      );
      await api.register(alertRoutes({ guard, alerts, wss }));
      await api.register(blockRoutes(liveControl, guard));
      await api.register(recordingRoutes(services.recordings, guard));
      await api.register(userRoutes(sessions, guard));
      await api.register(auditRoutes(audit, services.auditProof, guard));
      await api.register(evidenceRoutes(services.evidence, guard));
      await api.register(auditMarkRoutes(services.auditMarks, guard));
      if (rdp !== undefined) await api.register(rdpApiRoutes(rdp));
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: API_PREFIX },
  );
  if (rdp !== undefined) registerOperatorPage(app, rdp);
  return app;
}
