import { join } from 'node:path';
import type { PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { DataPaths } from '../datadir';
import type { AsyncStore } from '../db/asyncStore';
import type { LiveHub } from '../live/hub';
import { RecordingWriter, TerminalMirror, type RecordingWriterOptions } from '../../recording';
import type { CompiledRule, RuleBook } from '../rules/ruleBook';
import { commandBlockedMessage } from '../../shared/rules';
import type { Clock } from '../time';
import type { AccessPolicy } from './access';
import type { SessionFacts, SessionLedger } from '../services/sessionLedger';
import { fileTransferProgram } from './fileTransfer';
import { PROXY_MESSAGES } from './messages';
import type { Operator } from './operatorAuth';
import type { ProxyLogger } from './proxyServer';
import { ProxySession } from './proxySession';
import { openTargetLeg, TargetError, type TargetLeg, type TargetRequest } from './targetLeg';
import { TypedCommands } from './typedCommands';

/** What every session channel of the proxy needs. */
export interface ChannelServices {
  store: AsyncStore;
  hub: LiveHub;
  access: AccessPolicy;
  ledger: SessionLedger;
  /** The audited-command rules, checked at each Enter and on the command of `ssh host command`. */
  rules: RuleBook;
  paths: DataPaths;
  clock: Clock;
  /** Where operators reach the proxy, for the usage hint: `ssh -p PORT LOGIN@ACCOUNT@TARGET@HOST`. */
  publicAddress: { host: string; port: number };
  connectTarget?: (request: TargetRequest) => Promise<TargetLeg>;
  /** Overrides for the recording writer (tests, benchmarks). */
  recording?: Partial<RecordingWriterOptions>;
  log?: ProxyLogger;
}

const MAX_ENV = 64;
/** Only the locale and the terminal type reach targets: other variables (LD_PRELOAD…) could change what runs. */
const ENV_NAME = /^(?:LANG|LC_[A-Z_]{1,32}|TERM)$/;
const MAX_ENV_VALUE = 4096;
/** Terminal sizes are clamped where received: each viewer's and each recording's screen is that big. */
const MAX_COLS = 1000;
const MAX_ROWS = 500;
/** Pixel sizes only pass through; they are clamped to what a real screen has. */
const MAX_PIXELS = 16384;

/** What the operator asked the channel to run. */
type ChannelRequest =
  { kind: 'shell' } | { kind: 'exec'; command: string } | { kind: 'subsystem'; name: string };

type Reply = (() => void) | undefined;
const reply = (fn: Reply): void => fn?.();

/**
 * One session channel an operator opened: collects the terminal and environment requests, then on
 * `shell` or `exec` checks access, opens the target leg, and hands both legs to a ProxySession.
 * SFTP and scp are refused with a message, as are sessions the operator may not open.
 */
export class OperatorChannel {
  #pty: PseudoTtyInfo | null = null;
  readonly #env: Record<string, string> = {};
  #started = false;
  #live: ProxySession | null = null;
  #closed = false;

  constructor(
    session: Session,
    private readonly operator: Operator,
    private readonly originIp: string,
    private readonly services: ChannelServices,
    private readonly onLive: (live: ProxySession) => void,
  ) {
    session.on('pty', (accept: Reply, reject: Reply, info: PseudoTtyInfo) => {
      if (this.#started) return reply(reject);
      this.#pty = { ...info, ...clampSize(info) };
      reply(accept);
    });
    session.on('window-change', (accept: Reply, _reject: Reply, info: PseudoTtyInfo) => {
      const size = clampSize(info);
      if (info.cols <= 0 || info.rows <= 0) return reply(accept); // "unknown": nothing changes
      if (this.#live !== null) this.#live.resize(size.cols, size.rows, size.width, size.height);
      else if (this.#pty !== null) this.#pty = { ...this.#pty, ...size };
      reply(accept);
    });
    session.on('env', (accept: Reply, reject: Reply, info: { key: string; val: string }) => {
      const fits = Object.keys(this.#env).length < MAX_ENV && info.val.length <= MAX_ENV_VALUE;
      if (this.#started || !ENV_NAME.test(info.key) || !fits) return reply(reject);
      this.#env[info.key] = info.val;
      reply(accept);
    });
    session.on('signal', (accept: Reply, _reject: Reply, info: { name: string }) => {
      this.#live?.signal(info.name);
      reply(accept);
    });
    session.on('shell', (accept: () => ServerChannel) => this.#begin(accept, { kind: 'shell' }));
    session.on('exec', (accept: () => ServerChannel, _reject: Reply, info: { command: string }) =>
      this.#begin(accept, { kind: 'exec', command: info.command }),
    );
    session.on('subsystem', (accept: () => ServerChannel, _reject: Reply, info: { name: string }) =>
      this.#begin(accept, { kind: 'subsystem', name: info.name }),
    );
    session.on('x11', (_accept: Reply, reject: Reply) => reply(reject));
    session.on('auth-agent', (_accept: Reply, reject: Reply) => reply(reject));
    session.once('close', () => (this.#closed = true));
  }

  #begin(accept: () => ServerChannel, request: ChannelRequest): void {
    if (this.#started) return;
    this.#started = true;
    const channel = accept();
    // Input waits (SSH flow control) until the target leg is open.
    channel.pause();
    channel.once('close', () => (this.#closed = true));
    this.#start(channel, request).catch((err: unknown) => {
      // A fault of the gateway itself (e.g. its database): the operator is told, the gateway lives on.
      if (!this.#closed) this.#refuse(channel, PROXY_MESSAGES.internalError((err as Error).message));
    });
  }

  async #start(channel: ServerChannel, request: ChannelRequest): Promise<void> {
    const { access, ledger, clock, publicAddress } = this.services;
    const route = this.operator.route;
    const command = request.kind === 'exec' ? request.command : null;
    const subsystem = request.kind === 'subsystem' ? request.name : null;
    const asked = describeRequest(request);
    const who = { userId: this.operator.id, originIp: this.originIp };
    const where = route === null ? '' : ` as ${route.account} on ${route.target}`;
    const decision = await access.decide(this.operator, route, publicAddress);
    if (!decision.allowed) {
      await ledger.refused(who, `SSH ${asked}${where} refused (${decision.reason}): ${decision.message}`);
      return this.#refuse(channel, decision.message);
    }

    const { target, credential } = decision;
    if (subsystem !== null && subsystem !== 'sftp') {
      await ledger.refused(who, `SSH ${asked}${where} refused: unknown subsystem`);
      return this.#refuse(channel, PROXY_MESSAGES.subsystemRefused(subsystem));
    }
    const transfer = subsystem !== null || (command !== null && fileTransferProgram(command) !== null);
    const notGranted = PROXY_MESSAGES.fileTransferNotGranted(
      this.operator.login,
      credential.account,
      target.name,
    );
    if (transfer && !decision.fileTransfer) {
      await ledger.refused(who, `SSH ${asked}${where} refused: file transfer not granted`);
      return this.#refuse(channel, notGranted);
    }
    const facts: SessionFacts = {
      userId: this.operator.id,
      originIp: this.originIp,
      credential: credential.account,
      device: target.name,
      request: asked,
    };
    const startedAt = clock();
    // `ssh host command` is read exactly as sent: a rule that blocks it refuses the session.
    if (command !== null) await this.#readRules(null, () => this.services.rules.refresh());
    const rule = command === null ? null : this.services.rules.match(command, target.id);
    if (rule !== null && command !== null && rule.action !== 'allow') {
      const message = commandBlockedMessage(rule.name);
      const sessionId = await ledger.failed(facts, startedAt, message);
      await ledger.commandMatched(facts, {
        ...riskyOf(rule, command),
        sessionId,
        at: startedAt,
        offsetMs: 0,
      });
      return this.#refuse(channel, message);
    }
    const requestedPty = this.#pty;
    let leg: TargetLeg;
    try {
      leg = await (this.services.connectTarget ?? openTargetLeg)({
        target,
        credential,
        pinnedHostKey: await this.services.store.targets.hostKey(target.id),
        pinHostKey: (fingerprint) => ledger.pinHostKey(who, target, fingerprint),
        pty: requestedPty,
        env: this.#env,
        command,
        subsystem,
      });
    } catch (err) {
      const reason = err instanceof TargetError ? err.reason : (err as Error).message;
      await ledger.failed(facts, startedAt, reason);
      return this.#refuse(channel, PROXY_MESSAGES.targetFailed(credential.account, target.name, reason));
    }
    if (this.#closed) {
      leg.client.end();
      await ledger.failed(facts, startedAt, 'The operator left before the target session opened');
      return;
    }
    // A channel without a terminal may still carry a file transfer its command line hides.
    const watchTransfer = !decision.fileTransfer && requestedPty === null;
    await this.#open(
      channel,
      leg,
      facts,
      startedAt,
      command,
      watchTransfer ? notGranted : null,
      target.id,
      rule,
    );
    // The terminal may have been resized while the target leg opened.
    const pty = this.#pty;
    if (
      pty !== null &&
      requestedPty !== null &&
      (pty.cols !== requestedPty.cols || pty.rows !== requestedPty.rows)
    ) {
      this.#live?.resize(pty.cols, pty.rows, pty.width, pty.height);
    }
  }

  async #open(
    channel: ServerChannel,
    leg: TargetLeg,
    facts: SessionFacts,
    startedAt: number,
    command: string | null,
    /** The refusal shown when the channel turns out to carry a file transfer; null: not watched. */
    transferRefusal: string | null,
    targetId: number,
    /** The allow rule the command of `ssh host command` matched. */
    commandRule: CompiledRule | null,
  ): Promise<void> {
    const { ledger, paths, hub, clock } = this.services;
    const hash = ledger.newHash();
    const file = `${hash}.vrec`;
    const recordingPath = `recordings/${file}`;
    const absolutePath = join(paths.recordings, file);
    const sessionId = await ledger.open(facts, hash, startedAt, recordingPath);
    if (this.#closed) {
      // The operator left while the session row was written: nothing was recorded.
      leg.client.end();
      const reason = 'The operator left before the target session opened';
      await ledger.finish(sessionId, facts, clock(), { errorMessage: reason, note: reason, recording: null });
      return;
    }
    const cols = this.#pty?.cols || 80;
    const rows = this.#pty?.rows || 24;
    let failRecording: (err: Error) => void = () => undefined;
    let writer: RecordingWriter;
    try {
      writer = new RecordingWriter({
        path: absolutePath,
        sessionId: String(sessionId),
        cols,
        rows,
        term: this.#pty?.term ?? 'xterm-256color',
        pty: this.#pty !== null,
        startedAt: new Date(startedAt),
        meta: {
          hash,
          user: this.operator.login,
          account: facts.credential,
          target: facts.device,
          originIp: facts.originIp,
          command,
        },
        ...this.services.recording,
        onError: (err) => failRecording(err),
      });
    } catch (err) {
      leg.client.end();
      const reason = `Recording could not start: ${(err as Error).message}`;
      await ledger.finish(sessionId, facts, clock(), { errorMessage: reason, note: reason, recording: null });
      return this.#refuse(channel, PROXY_MESSAGES.recordingFailed);
    }
    const record = (text: string, offsetMs: number): void => {
      writer.marker('command', text);
      this.#written(
        sessionId,
        ledger.addCommand({ sessionId, at: startedAt + offsetMs, offsetMs, command: text }),
      );
    };
    // `ssh host command` is itself the command; what is typed at a terminal is extracted as it runs.
    if (command !== null) record(command, 0);
    if (command !== null && commandRule !== null) {
      writer.marker('policy', `${commandRule.action} ${commandRule.name}: ${command.slice(0, 500)}`);
      await ledger.commandMatched(facts, {
        ...riskyOf(commandRule, command),
        sessionId,
        at: startedAt,
        offsetMs: 0,
      });
    }
    const { rules } = this.services;
    const commands = this.#pty === null ? null : new TypedCommands((c) => record(c.command, c.atMs));
    const live = new ProxySession({
      sessionId,
      facts,
      startedAt: new Date(startedAt),
      operator: channel,
      pty: this.#pty,
      target: leg,
      writer,
      recordingPath,
      absoluteRecordingPath: absolutePath,
      mirror: new TerminalMirror({
        cols,
        rows,
        onError: (err) =>
          this.services.log?.warn(
            { sessionId, err: err.message },
            'Live screen mirror failed; it starts over',
          ),
      }),
      commands,
      rules: {
        current: () => rules.forTarget(targetId),
        refresh: () => this.#readRules(sessionId, () => rules.refresh()),
      },
      ledger,
      clock,
      refuseFileTransfer:
        transferRefusal === null
          ? null
          : () => {
              this.#written(
                sessionId,
                ledger.refused(
                  { userId: facts.userId, originIp: facts.originIp },
                  `SSH file transfer refused on session ${sessionId}: not granted`,
                ),
              );
              return {
                reason: 'failed',
                operatorMessage: transferRefusal,
                errorMessage: 'File transfer refused: not granted',
                note: 'File transfer refused: not granted',
                marker: { kind: 'notice', note: 'file transfer refused' },
              };
            },
    });
    failRecording = (err) =>
      void live.end({
        reason: 'failed',
        operatorMessage: PROXY_MESSAGES.recordingFailed,
        errorMessage: `Recording failed: ${err.message}`,
        note: `Recording failed: ${err.message}`,
        marker: null,
      });
    this.#live = live;
    hub.add(live);
    this.onLive(live);
    live.start();
  }

  /**
   * Reads the rules again for an Enter. When the database cannot be read (it closes at shutdown),
   * the line is checked against the rules read last rather than the error ending the gateway; the
   * log says so.
   */
  async #readRules(sessionId: number | null, read: () => Promise<void>): Promise<void> {
    try {
      await read();
    } catch (err) {
      this.services.log?.warn(
        { sessionId, err: (err as Error).message },
        'Command rules could not be read; the line is checked against the rules read last',
      );
    }
  }

  /** A write the session does not wait for (its recording has the same facts): a failure is logged. */
  #written(sessionId: number, write: Promise<void>): void {
    write.catch((err: Error) =>
      this.services.log?.warn({ sessionId, err: err.message }, 'A session fact could not be stored'),
    );
  }

  /** Shows the operator why, on stderr (their terminal), and ends the channel with status 1. */
  #refuse(channel: ServerChannel, message: string): void {
    channel.stderr.write(this.#pty === null ? `${message}\n` : `${message}\r\n`);
    channel.exit(1);
    channel.end();
  }
}

function clampSize(info: PseudoTtyInfo): Pick<PseudoTtyInfo, 'cols' | 'rows' | 'width' | 'height'> {
  const clamp = (value: number, min: number, max: number): number =>
    Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : min;
  return {
    // 0 means "unknown" in SSH: the usual 80x24 then.
    cols: info.cols > 0 ? clamp(info.cols, 1, MAX_COLS) : 80,
    rows: info.rows > 0 ? clamp(info.rows, 1, MAX_ROWS) : 24,
    width: clamp(info.width, 0, MAX_PIXELS),
    height: clamp(info.height, 0, MAX_PIXELS),
  };
}

function riskyOf(rule: CompiledRule, command: string) {
  return {
    rule: rule.name,
    score: rule.score,
    criticality: rule.criticality,
    action: rule.action,
    command,
  };
}

function describeRequest(request: ChannelRequest): string {
  if (request.kind === 'shell') return 'shell';
  if (request.kind === 'exec') return `command "${request.command.slice(0, 200)}"`;
  return `subsystem "${request.name.slice(0, 64)}"`;
}
