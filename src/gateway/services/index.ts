import { dataPaths, loadSigningKey, type SigningKey } from '../datadir';
import { ClusterDirectory, LocalDirectory, type LiveDirectory } from '../cluster/directory';
import type { NodeBus } from '../cluster/nodeBus';
import type { AsyncStore } from '../db/asyncStore';
import { AlertFeed, DEFAULT_ALERT_FEED, type AlertFeedOptions } from '../live/alerts/alertFeed';
import { LiveHub } from '../live/hub';
import { LiveTickets } from '../live/tickets';
import { RuleBook } from '../rules/ruleBook';
import { RecordingSeal } from '../seal/recordingSeal';
import { INTERRUPTED_MESSAGE } from '../ssh/recovery';
import { DEFAULT_VIEWER_LIMITS, LiveViewers, type ViewerLimits } from '../live/viewers';
import { systemClock, type Clock } from '../time';
import { AttemptLog } from './attempts';
import { AuditService } from './audit';
import { AuditProofService } from './auditProof';
import { ChainCheckpoints, DEFAULT_CHECKPOINTS, type CheckpointOptions } from './chainCheckpoints';
import { countedAppends } from './countedAppends';
import { AuditMarkService } from './auditMarks';
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
import { EvidenceService } from './evidence';
import { SearchService } from './search';
import { DEFAULT_SEARCH_INDEXER, SearchIndexer, type SearchIndexerOptions } from './searchIndexer';

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
  /** How often the audit trail's head is signed (tests sign explicitly with `checkpoints.signNow`). */
  checkpoints?: Partial<CheckpointOptions>;
  /** How the alerts feed polls for events other processes wrote. */
  alertFeed?: Partial<AlertFeedOptions>;
  /** How the search indexer polls (tests make it quick). */
  searchIndexer?: Partial<SearchIndexerOptions>;
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
  /** Sessions for audit: each auditor's assigned sessions and their Audited? marks. */
  auditMarks: AuditMarkService;
  audit: AuditService;
  /** Signs the audit trail's head now and then (server.ts starts its timer). */
  checkpoints: ChainCheckpoints;
  /** Audit-trail excerpts of sessions with the segments and checkpoints that prove them. */
  auditProof: AuditProofService;
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
  /** The audit events alerts derive from, as they are appended (here at once, elsewhere by polling). */
  alertFeed: AlertFeed;
  /** The audited-command rules in force, checked by the SSH proxy at each Enter. */
  rules: RuleBook;
  /** Finished sessions' terminal text (built when a session finishes), paged and searched. */
  sessionText: SessionTextService;
  /** Keeps the search index up to date (app.ts starts and stops it). */
  searchIndexer: SearchIndexer;
  /** Search across sessions. */
  search: SearchService;
  /** Signs each finished recording's manifest with the gateway's key. */
  seal: RecordingSeal;
  /** Sealed recordings as the API serves them: manifest, download, plays. */
  recordings: RecordingService;
  /** Finished recordings copied to the store every node reads. */
  sharing: RecordingSharing;
  /** Purges the recordings of sessions older than the retention period (server.ts schedules it). */
  retention: RetentionService;
  /** The signed statements of evidence bundles. */
  evidence: EvidenceService;
}

/** The gateway's composition root. */
export function createGatewayServices(options: GatewayServiceOptions): GatewayServices {
  const { dataDir } = options;
  const clock = options.clock ?? systemClock;
  const hub = new LiveHub();
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const checkpoints = new ChainCheckpoints(
    options.store.events,
    () => options.signingKey ?? loadSigningKey(dataPaths(dataDir)),
    clock,
    log,
    { ...DEFAULT_CHECKPOINTS, ...options.checkpoints },
  );
  // Every event appended through this gateway's services is counted towards the next checkpoint.
  const store = countedAppends(options.store, () => checkpoints.appended());
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
  const searchIndexer = new SearchIndexer(store, log, {
    ...DEFAULT_SEARCH_INDEXER,
    ...options.searchIndexer,
  });
  sessionText.onBuilt((id) => searchIndexer.textChanged(id));
  const retention = new RetentionService(
    store,
    new PurgedFiles(store, dataDir, dataPaths(dataDir).recordings, sharing.shared, clock),
    clock,
    log,
    (id) => {
      hub.notify(id, 'updated');
      searchIndexer.textChanged(id);
    },
  );
  const sessions = new SessionService(store, clock, hub);
  const ledger = new SessionLedger(store, clock, seal, options.cluster?.bus.nodeId ?? null, (id) =>
    sharing.publish(id),
  );
  const alertFeed = new AlertFeed(
    store,
    live.changes,
    ledger,
    { ...DEFAULT_ALERT_FEED, ...options.alertFeed },
    { warn: (details, message) => log(`${message}: ${JSON.stringify(details)}`) },
  );
  const auditProof = new AuditProofService(store, checkpoints);
  const recordings = new RecordingService(store, seal, clock, sharing.shared);
  return {
    store,
    clock,
    identity: new IdentityService(store, clock, { ...DEFAULT_IDENTITY, ...options.identity }),
    sessions,
    auditMarks: new AuditMarkService(store, sessions, clock),
    audit: new AuditService(store, checkpoints),
    checkpoints,
    auditProof,
    attempts: new AttemptLog(store, clock),
    hub,
    live,
    liveControl: new LiveControlService(store, hub, live, clock),
    tickets: new LiveTickets(clock),
    viewers: new LiveViewers({ ...DEFAULT_VIEWER_LIMITS, ...options.viewerLimits }),
    ledger,
    alertFeed,
    sharing,
    rules: new RuleBook(store),
    sessionText,
    searchIndexer,
    search: new SearchService(store),
    seal,
    recordings,
    retention,
    evidence: new EvidenceService(
      store,
      sessions,
      sessionText,
      recordings,
      seal,
      auditProof,
      () => signingKey ?? loadSigningKey(dataPaths(dataDir)),
      clock,
    ),
  };
}
