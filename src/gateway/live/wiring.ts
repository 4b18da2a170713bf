import type { FastifyInstance } from 'fastify';
import type { Store } from '../db/store';
import type { Guard } from '../plugins/guard';
import { blockRoutes } from '../routes/blocks';
import { liveRoutes } from '../routes/live';
import type { Clock } from '../services/caller';
import type { IdentityService } from '../services/identity';
import { LiveControlService } from '../services/liveControl';
import type { LiveHub } from './hub';
import { LiveTickets } from './tickets';
import { SessionUpdates } from './updatesSocket';
import { routeUpgrades } from './upgrade';
import { DEFAULT_VIEWER_LIMITS, LiveViewers, type ViewerLimits } from './viewers';

export interface LiveApiDeps {
  store: Store;
  clock: Clock;
  identity: IdentityService;
  guard: Guard;
  hub: LiveHub;
  viewerLimits?: Partial<ViewerLimits>;
}

/** The HTTP and WebSocket side of live sessions (SPEC §3, §4), as route plugins for the API prefix. */
export function buildLiveApi(app: FastifyInstance, deps: LiveApiDeps) {
  const control = new LiveControlService(deps.store, deps.hub, deps.clock);
  const tickets = new LiveTickets(deps.clock);
  const viewers = new LiveViewers({ ...DEFAULT_VIEWER_LIMITS, ...deps.viewerLimits });
  const updates = new SessionUpdates(deps.hub, deps.identity, deps.guard);
  const wss = routeUpgrades(app);
  app.addHook('onClose', async () => updates.dispose());
  const socketDeps = { tickets, identity: deps.identity, guard: deps.guard, hub: deps.hub, viewers, control };
  return {
    liveRoutes: liveRoutes({ ...socketDeps, updates, wss }),
    blockRoutes: blockRoutes(control, deps.guard),
  };
}
