import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app';
import { DEFAULTS, urlHost, type GatewayConfig } from './config';
import { SecretBox } from './crypto/secrets';
import { ensureDataDir, loadMasterKey, loadSigningKey, loadTls } from './datadir';
import type { AsyncStore } from './db/asyncStore';
import { openGatewayStore } from './db/openGatewayStore';
import type { LiveHub } from './live/hub';
import { NodeLeases } from './cluster/leases';
import type { NodeBus } from './cluster/nodeBus';
import { connectNatsNodeBus } from './cluster/natsNodeBus';
import { openRecordingStore } from './recordings/openRecordingStore';
import { createGatewayServices, type GatewayServices } from './services';
import type { PurgeReport } from './services/retention';
import { AdminService } from './services/admin';
import { loadHostKey } from './ssh/hostKey';
import { SshProxy } from './ssh/proxyServer';
import { createRdpSide } from './rdp/rdpSide';
import { recoverInterruptedSessions } from './ssh/recovery';

/** How often recordings that could not be copied to the shared store are tried again. */
const RECORDING_COPY_RETRY_MS = 60_000;
/** How often old recordings are purged (after a first run at start). */
const RETENTION_EVERY_MS = 3_600_000;

export interface RunningGateway {
  app: FastifyInstance;
  store: AsyncStore;
  url: string;
  fingerprint: string;
  /** Live sessions of every protocol proxy; the HTTP side finds them here. */
  hub: LiveHub;
  ssh: SshProxy;
  /** e.g. 127.0.0.1:2222 */
  sshAddress: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Password for the first-start admin (VIGIL_ADMIN_PASSWORD); generated and printed when absent. */
  adminPassword?: string;
  /** Plain lines for people (listening address, fingerprint, first admin password). */
  print: (line: string) => void;
  logLevel?: string;
}

/** Prepares the data folder, creates the first admin once, and serves HTTPS on the configured address. */
export async function startGateway(config: GatewayConfig, options: ServeOptions): Promise<RunningGateway> {
  const paths = ensureDataDir(config.dataDir);
  const tls = await loadTls(paths);
  const signingKey = loadSigningKey(paths);
  const masterKey = loadMasterKey(paths);
  const store = await openGatewayStore({ url: config.databaseUrl, sqlitePath: paths.database });
  let bus: NodeBus | undefined;
  let leases: NodeLeases | undefined;
  let servicesBuilt: GatewayServices | undefined;
  try {
    if (config.cluster !== undefined) {
      if (!('pool' in store))
        throw new Error('--nats needs --database: the nodes of a cluster share one PostgreSQL database');
      bus = await connectNatsNodeBus({
        url: config.cluster.natsUrl,
        nodeId: config.cluster.nodeId,
        prefix: config.cluster.name,
        log: (message) => options.print(`Node bus: ${message}`),
      });
    }
    const services = createGatewayServices({
      store,
      dataDir: paths.root,
      signingKey,
      cluster: bus === undefined ? undefined : { bus },
      sharedRecordings:
        config.recordings === undefined ? undefined : openRecordingStore(config.recordings, paths.root),
    });
    servicesBuilt = services;
    const admin = new AdminService(store, services.clock, () => new SecretBox(masterKey));
    const boot = await admin.bootstrapAdmin(options.adminPassword);
    if (boot.generatedPassword !== null) {
      options.print(
        `Created user admin (System Administrator). Initial password, shown only now: ${boot.generatedPassword}`,
      );
    } else if (boot.created) {
      options.print('Created user admin (System Administrator) with the password from VIGIL_ADMIN_PASSWORD');
    }
    // Sessions a crash or kill left "live" are finished before anyone can connect again.
    const recovered = await recoverInterruptedSessions(services.ledger, paths, services.clock);
    if (recovered.length > 0) {
      options.print(
        `Finished ${recovered.length} session(s) left live by the previous run: ${recovered.map((r) => r.id).join(', ')}`,
      );
    }
    // Recordings whose sealing failed (or was cut by a stop) are sealed before serving them.
    const sealed = await services.seal.sealPending();
    await services.rules.refresh();
    if (sealed.length > 0)
      options.print(`Sealed ${sealed.length} recording(s) left unsealed: ${sealed.join(', ')}`);
    // Recordings sealed now, and those an earlier copy to the shared store failed on, are moved.
    services.sharing.retry(RECORDING_COPY_RETRY_MS);
    scheduleRetention(services, config.retentionDays, options.print);
    services.checkpoints.start();
    const { hub } = services;
    await services.live.start();
    if (bus !== undefined && 'pool' in store) {
      leases = new NodeLeases(
        store.pool as pg.Pool,
        bus.nodeId,
        {},
        {
          // Every node's session lists learn that the lost node's sessions ended.
          claimed: (node) => node.sessionIds.forEach((id) => hub.notify(id, 'finished')),
          lost: () =>
            options.print('This node missed its lease: peers took it for dead and finished its sessions'),
          error: (error) => options.print(`Node lease: ${error.message}`),
        },
      );
      await leases.start();
      options.print(`Gateway node ${bus.nodeId} joined cluster ${config.cluster!.name}`);
    }
    const rdp = await createRdpSide(services, () => new SecretBox(masterKey), paths, config.http);
    const app = await buildApp({
      services,
      tls: { key: tls.key, cert: tls.cert },
      logger: { level: options.logLevel ?? 'info' },
      rdp,
    });
    const ssh = new SshProxy({
      store,
      hub,
      identity: services.identity,
      ledger: services.ledger,
      rules: services.rules,
      clock: services.clock,
      secrets: () => new SecretBox(masterKey),
      paths,
      hostKey: loadHostKey(paths),
      log: app.log,
    });
    let sshAddress: string;
    try {
      await app.listen({ host: config.http.host, port: config.http.port });
      const bound = await ssh.listen(config.ssh);
      sshAddress = `${urlHost(bound)}:${bound.port}`;
    } catch (err) {
      await app.close();
      throw err;
    }
    const port = (app.server.address() as AddressInfo).port;
    const url = `https://${urlHost(config.http)}:${port}`;
    options.print(`TLS certificate SHA-256 fingerprint: ${tls.fingerprint}`);
    options.print(`SSH host key fingerprint: ${ssh.fingerprint}`);
    options.print(`Vigil SSH proxy listening on ${sshAddress}`);
    options.print(`Operators open remote desktops (RDP) at ${url}/rdp/`);
    // Last: test helpers and scripts take this line as "ready".
    options.print(`Vigil gateway listening on ${url}`);
    return {
      app,
      store,
      url,
      fingerprint: tls.fingerprint,
      hub,
      ssh,
      sshAddress,
      close: async () => {
        await ssh.close();
        await app.close();
        await services.retention.stop();
        await services.checkpoints.stop();
        await services.sharing.close();
        // Every session here ended cleanly: the lease goes, and no peer will take this node for dead.
        await leases?.stop({ release: true });
        await services.live.stop();
        await bus?.close();
        await store.close();
      },
    };
  } catch (err) {
    await servicesBuilt?.retention.stop();
    await servicesBuilt?.checkpoints.stop();
    await leases?.stop();
    await bus?.close();
    await store.close();
    throw err;
  }
}

/** Purges old recordings now and then hourly, unless retention is off; says what each run did. */
function scheduleRetention(
  services: GatewayServices,
  configured: number | null | undefined,
  print: (line: string) => void,
): void {
  const days = configured === undefined ? DEFAULTS.retentionDays : configured;
  if (days === null) {
    print('Retention is off: recordings are kept until purged with vigil-gateway purge');
    return;
  }
  print(`Retention: recordings of sessions that ended more than ${days} days ago are purged hourly`);
  const rule = { days, by: "the gateway's hourly retention" };
  services.retention.schedule(rule, RETENTION_EVERY_MS, (report) => {
    for (const line of retentionSummary(report, days)) print(line);
  });
}

function retentionSummary(report: PurgeReport, days: number): string[] {
  const lines: string[] = [];
  if (report.purged.length > 0) {
    const bytes = report.purged.reduce((sum, p) => sum + (p.recording.size ?? 0), 0);
    lines.push(
      `Retention: purged the recordings of ${report.purged.length} session(s) that ended more than ${days} days ago (${bytes} bytes)`,
    );
  }
  if (report.retried.length > 0)
    lines.push(`Retention: deleted the files of ${report.retried.length} recording(s) purged earlier`);
  if (report.strays.length > 0)
    lines.push(`Retention: deleted ${report.strays.length} purged recording(s) left on this node`);
  return lines;
}
