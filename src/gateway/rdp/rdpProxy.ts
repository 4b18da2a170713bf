import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { isRdpClientMessage, type RdpClientMessage, type RdpServerMessage } from '../../shared/rdpWire';
import type { DataPaths } from '../datadir';
import type { AsyncStore } from '../db/asyncStore';
import type { LiveHub } from '../live/hub';
import type { LiveTickets } from '../live/tickets';
import type { IdentityService } from '../services/identity';
import type { SessionFacts, SessionLedger } from '../services/sessionLedger';
import type { AccessPolicy } from '../ssh/access';
import { PROXY_MESSAGES } from '../ssh/messages';
import type { Clock } from '../time';
import { RdpTargetError } from './errors';
import { holdTargetEvents } from './heldEvents';
import type { LoginWatcher } from './loginWatch';
import { RdpLiveSession, type RasterRecorder } from './rdpLiveSession';
import type { RdpTargetConnection, RdpTargetRequest } from './targetConnection';

export interface RdpProxyServices {
  store: AsyncStore;
  hub: LiveHub;
  access: AccessPolicy;
  ledger: SessionLedger;
  identity: IdentityService;
  /** Single-use tickets for the operator page's socket (issued for session 0: "a new session"). */
  tickets: LiveTickets;
  paths: DataPaths;
  clock: Clock;
  /** The gateway's address as operators reach it, for refusal texts shared with SSH. */
  publicAddress: { host: string; port: number };
  openTarget: (request: RdpTargetRequest) => RdpTargetConnection;
  /** How the targets show whether the stored credential worked. */
  loginWatcher: LoginWatcher;
  /** Opens the recording of a new session at `path`; `onError`: it stopped recording. */
  openRecorder: (path: string, facts: RecorderFacts, onError: (err: Error) => void) => RasterRecorder;
  log?: { warn(obj: object, msg: string): void };
}

export interface RecorderFacts {
  sessionId: number;
  hash: string;
  startedAt: Date;
  width: number;
  height: number;
  user: string;
  account: string;
  target: string;
  originIp: string;
}

/** How long the page has to say what it wants to open once its socket is up. */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * The RDP side of the gateway: an operator's page connects its socket with a ticket, asks for a
 * target and account, and gets a remote desktop opened with the stored credential (which it never
 * sees), recorded and watched like an SSH session. Refusals and target failures are told to the
 * page and written as events, as for SSH.
 */
export class RdpProxy {
  constructor(private readonly services: RdpProxyServices) {}

  async serve(ws: WebSocket, request: { ticket: string | undefined; originIp: string }): Promise<void> {
    const { tickets, identity } = this.services;
    // Listening first: the page sends its `connect` as soon as the socket opens, while the ticket is checked.
    const asked = firstMessage(ws);
    const grant = request.ticket === undefined ? null : tickets.redeem(request.ticket, 0);
    const caller = grant === null ? null : await identity.authenticateHash(grant.tokenHash, request.originIp);
    if (grant === null || caller === null || caller.userId !== grant.userId) {
      return refuse(ws, 'BAD_TICKET', 'The ticket is invalid, expired or used: log in again');
    }
    const ask = await asked;
    if (ask === null) return refuse(ws, 'BAD_REQUEST', 'The page did not ask for a target in time');
    await this.open(ws, { id: caller.userId, login: caller.login }, request.originIp, ask);
  }

  private async open(
    ws: WebSocket,
    user: { id: number; login: string },
    originIp: string,
    ask: Extract<RdpClientMessage, { type: 'connect' }>,
  ): Promise<void> {
    const { access, ledger, clock, store } = this.services;
    const who = { userId: user.id, originIp };
    const route = { target: ask.target, account: ask.account };
    const where = ` as ${route.account} on ${route.target}`;
    const decision = await access.decide(user, route, this.services.publicAddress, 'rdp');
    if (!decision.allowed) {
      await ledger.refused(who, `RDP desktop${where} refused (${decision.reason}): ${decision.message}`);
      return refuse(ws, decision.reason.toUpperCase(), decision.message);
    }
    const { target, credential } = decision;
    const facts: SessionFacts = {
      userId: user.id,
      originIp,
      credential: credential.account,
      device: target.name,
      request: `desktop ${ask.width}x${ask.height}`,
      protocol: 'rdp',
    };
    const startedAt = clock();
    const connection = this.services.openTarget({
      host: target.host,
      port: target.port,
      user: credential.account,
      password: credential.password,
      width: ask.width,
      height: ask.height,
      certificate: {
        pinned: await store.targets.hostKey(target.id),
        pinOnFirstUse: (fingerprint) =>
          ledger.pinHostKey(who, target, fingerprint, 'RDP certificate (SHA-256)'),
      },
      login: this.services.loginWatcher,
    });
    const operatorLeft = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const opened = await Promise.race([
      connection.ready.then(
        () => 'ready' as const,
        (err: unknown) => err as Error,
      ),
      operatorLeft.then(() => 'left' as const),
    ]);
    if (opened !== 'ready') {
      connection.drop();
      const reason =
        opened === 'left'
          ? 'The operator left before the target session opened'
          : opened instanceof RdpTargetError
            ? opened.message
            : `unexpected error: ${opened.message}`;
      await ledger.failed(facts, startedAt, reason);
      return refuse(
        ws,
        'TARGET_FAILED',
        PROXY_MESSAGES.targetFailed(credential.account, target.name, reason),
      );
    }
    const held = holdTargetEvents(connection);
    await this.live(ws, connection, facts, startedAt, ask, user.login, held);
  }

  private async live(
    ws: WebSocket,
    connection: RdpTargetConnection,
    facts: SessionFacts,
    startedAt: number,
    ask: Extract<RdpClientMessage, { type: 'connect' }>,
    login: string,
    held: { replay(): void },
  ): Promise<void> {
    const { ledger, paths, hub, clock } = this.services;
    const hash = ledger.newHash();
    const file = `${hash}.vrec`;
    const recordingPath = `recordings/${file}`;
    const absoluteRecordingPath = join(paths.recordings, file);
    const sessionId = await ledger.open(facts, hash, startedAt, recordingPath);
    let recorder: RasterRecorder;
    let failRecording: (err: Error) => void = () => undefined;
    try {
      recorder = this.services.openRecorder(
        absoluteRecordingPath,
        {
          sessionId,
          hash,
          startedAt: new Date(startedAt),
          width: ask.width,
          height: ask.height,
          user: login,
          account: facts.credential,
          target: facts.device,
          originIp: facts.originIp,
        },
        (err) => failRecording(err),
      );
    } catch (err) {
      connection.drop();
      const reason = `Recording could not start: ${(err as Error).message}`;
      await ledger.finish(sessionId, facts, clock(), { errorMessage: reason, note: reason, recording: null });
      return refuse(ws, 'RECORDING_FAILED', PROXY_MESSAGES.recordingFailed);
    }
    const live = new RdpLiveSession({
      sessionId,
      facts,
      startedAt: new Date(startedAt),
      operator: ws,
      target: connection,
      width: ask.width,
      height: ask.height,
      recorder,
      recordingPath,
      absoluteRecordingPath,
      ledger,
      clock,
    });
    failRecording = (err) =>
      void live.end({
        reason: 'failed',
        operatorMessage: PROXY_MESSAGES.recordingFailed,
        errorMessage: `Recording failed: ${err.message}`,
        note: `Recording failed: ${err.message}`,
        marker: null,
      });
    hub.add(live);
    live.start();
    held.replay();
  }
}

function send(ws: WebSocket, message: RdpServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

function refuse(ws: WebSocket, code: string, message: string): void {
  send(ws, { type: 'refused', code, message });
  ws.close(4000, 'refused');
}

/** The page's `connect`, or null if it sends something else, closes or waits too long. */
function firstMessage(ws: WebSocket): Promise<Extract<RdpClientMessage, { type: 'connect' }> | null> {
  return new Promise((resolve) => {
    const done = (value: Extract<RdpClientMessage, { type: 'connect' }> | null) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(value);
    };
    const onMessage = (data: Buffer, isBinary: boolean) => {
      let message: unknown = null;
      try {
        message = isBinary ? null : JSON.parse(data.toString('utf8'));
      } catch {
        // not JSON: refused below
      }
      done(isRdpClientMessage(message) && message.type === 'connect' ? message : null);
    };
    const onClose = () => done(null);
    const timer = setTimeout(() => done(null), CONNECT_TIMEOUT_MS);
    ws.on('message', onMessage);
    ws.once('close', onClose);
  });
}
