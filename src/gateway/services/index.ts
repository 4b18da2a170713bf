import { dataPaths, loadSigningKey, type SigningKey } from '../datadir';
import { ClusterDirectory, LocalDirectory, type LiveDirectory } from '../cluster/directory';
import type { NodeBus } from '../cluster/nodeBus';
import type { AsyncStore } from '../db/asyncStore';
import { LiveHub } from '../live/hub';
import { LiveTickets } from '../live/tickets';
import { RuleBook } from '../rules/ruleBook';
import { RecordingSeal } from '../seal/recordingSeal';
import { INTERRUPTED_MESSAGE } from '../ssh/recovery';
import { DEFAULT_VIEWER_LIMITS, LiveViewers, type ViewerLimits } from '../live/viewers';
import { systemClock, type Clock } from '../time';
import { AttemptLog } from './attempts';
import { AuditService } from './audit';
import { DEFAULT_IDENTITY, IdentityService, type IdentityOptions } from './identity';
import { LiveControlService } from './liveControl';
import { RecordingService } from './recordings';
import { RecordingSharing } from './recordingSharing';
import { PurgedFiles } from './purgedFiles';
import { RetentionService } from './retention';
import type { RecordingStore } from '../recordings/recordingStore';
import { SessionLedger } from './sessionLedger';
import { SessionService } from './sessions';
import { SessionTextService } from './sessionText';

export interface GatewayServiceOptions {
  store: AsyncStore;
  clock?: Clock;
  identity?: Partial<IdentityOptions>;
  /** Flow control of Live Stream viewers (tests make them small). */
  viewerLimits?: Partial<ViewerLimits>;
  /** The data folder recording paths are relative to. */
  dataDir: string;
  /** The key that seals recordings; loaded (or made) from the data folder on first use when absent. */
  signingKey?: SigningKey;
  /** Where failures nobody waits for (sealing a recording) are reported; default: standard error. */
  log?: (message: string) => void;
  /**
   * One node of several sharing the database: its sessions are registered under its name, and
   * live sessions of other nodes are reached over the node bus. Absent: a single gateway.
   */
  cluster?: { bus: NodeBus };
  /** Where finished recordings are copied so that every node can serve them (several nodes). */
  sharedRecordings?: RecordingStore;
}

/**
 * Every service of one gateway, each built once: the HTTP API and the protocol proxies share
 * them, so a login lock, a block or a session change is seen the same way by both.
 */
export interface GatewayServices {
  store: AsyncStore;
  clock: Clock;
  identity: IdentityService;
  sessions: SessionService;
  audit: AuditService;
  attempts: AttemptLog;
  /** Where protocol proxies register live sessions and where session changes are announced. */
  hub: LiveHub;
  /** Live sessions as the HTTP side reaches them: in `hub`, or on the node that runs them. */
  live: LiveDirectory;
  liveControl: LiveControlService;
  tickets: LiveTickets;
  viewers: LiveViewers;
  /** Session rows and events written by the protocol proxies. */
  ledger: SessionLedger;
  /** The audited-command rules in force, checked by the SSH proxy at each Enter. */
  rules: RuleBook;
  /** Finished sessions' terminal text (built when a session finishes), paged and searched. */
  sessionText: SessionTextService;
  /** Signs each finished recording's manifest with the gateway's key. */
  seal: RecordingSeal;
  /** Sealed recordings as the API serves them: manifest, download, plays. */
  recordings: RecordingService;
  /** Finished recordings copied to the store every node reads. */
  sharing: RecordingSharing;
  /** Purges the recordings of sessions older than the retention period (server.ts schedules it). */
  retention: RetentionService;
}

/** The gateway's composition root. */
export function createGatewayServices(options: GatewayServiceOptions): GatewayServices {
  const { store, dataDir } = options;
  const clock = options.clock ?? systemClock;
  const hub = new LiveHub();
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const live =
    options.cluster === undefined
      ? new LocalDirectory(hub)
      : new ClusterDirectory(options.cluster.bus, hub, store, log);
  const signingKey = options.signingKey;
  const seal = new RecordingSeal(
    store.recordingSeals,
    () => signingKey ?? loadSigningKey(dataPaths(dataDir)),
    dataDir,
    clock,
    log,
    INTERRUPTED_MESSAGE,
  );
  const sharing = new RecordingSharing(
    store,
    options.sharedRecordings ?? null,
    seal,
    dataPaths(dataDir).recordings,
    log,
  );
  const sessionText = new SessionTextService(store, dataDir, clock, (hash, file) =>
    sharing.fetch(hash, file),
  );
  sessionText.watch(hub);
  const retention = new RetentionService(
    store,
    new PurgedFiles(store, dataDir, dataPaths(dataDir).recordings, sharing.shared, clock),
    clock,
    log,
    (id) => hub.notify(id, 'updated'),
  );
  return {
    store,
    clock,
    identity: new IdentityService(store, clock, { ...DEFAULT_IDENTITY, ...options.identity }),
    sessions: new SessionService(store, clock, hub),
    audit: new AuditService(store),
    attempts: new AttemptLog(store, clock),
    hub,
    live,
    liveControl: new LiveControlService(store, hub, live, clock),
    tickets: new LiveTickets(clock),
    viewers: new LiveViewers({ ...DEFAULT_VIEWER_LIMITS, ...options.viewerLimits }),
    ledger: new SessionLedger(store, clock, seal, options.cluster?.bus.nodeId ?? null, (id) =>
      sharing.publish(id),
    ),
    sharing,
    rules: new RuleBook(store),
    sessionText,
    seal,
    recordings: new RecordingService(store, seal, clock, sharing.shared),
    retention,
  };
}
