import type { Store } from '../db/store';
import { LiveHub } from '../live/hub';
import { LiveTickets } from '../live/tickets';
import { RuleBook } from '../rules/ruleBook';
import { DEFAULT_VIEWER_LIMITS, LiveViewers, type ViewerLimits } from '../live/viewers';
import { systemClock, type Clock } from '../time';
import { AttemptLog } from './attempts';
import { AuditService } from './audit';
import { DEFAULT_IDENTITY, IdentityService, type IdentityOptions } from './identity';
import { LiveControlService } from './liveControl';
import { SessionLedger } from './sessionLedger';
import { SessionService } from './sessions';

export interface GatewayServiceOptions {
  store: Store;
  clock?: Clock;
  identity?: Partial<IdentityOptions>;
  /** Flow control of Live Stream viewers (tests make them small). */
  viewerLimits?: Partial<ViewerLimits>;
}

/**
 * Every service of one gateway, each built once: the HTTP API and the protocol proxies share
 * them, so a login lock, a block or a session change is seen the same way by both.
 */
export interface GatewayServices {
  store: Store;
  clock: Clock;
  identity: IdentityService;
  sessions: SessionService;
  audit: AuditService;
  attempts: AttemptLog;
  /** Where protocol proxies register live sessions and where session changes are announced. */
  hub: LiveHub;
  liveControl: LiveControlService;
  tickets: LiveTickets;
  viewers: LiveViewers;
  /** Session rows and events written by the protocol proxies. */
  ledger: SessionLedger;
  /** The audited-command rules in force, checked by the SSH proxy at each Enter. */
  rules: RuleBook;
}

/** The gateway's composition root. */
export function createGatewayServices(options: GatewayServiceOptions): GatewayServices {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const hub = new LiveHub();
  return {
    store,
    clock,
    identity: new IdentityService(store, clock, { ...DEFAULT_IDENTITY, ...options.identity }),
    sessions: new SessionService(store, clock, hub),
    audit: new AuditService(store),
    attempts: new AttemptLog(store, clock),
    hub,
    liveControl: new LiveControlService(store, hub, clock),
    tickets: new LiveTickets(clock),
    viewers: new LiveViewers({ ...DEFAULT_VIEWER_LIMITS, ...options.viewerLimits }),
    ledger: new SessionLedger(store, clock),
    rules: new RuleBook(store),
  };
}
