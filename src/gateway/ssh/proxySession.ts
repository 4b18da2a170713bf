import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { PseudoTtyInfo, ServerChannel } from 'ssh2';
import { OPERATOR_MESSAGES } from '../../shared/messages';
import { commandBlockedMessage } from '../../shared/rules';
import type { LiveEndReason, LiveScreen, LiveSession, LiveSessionEvents } from '../live/hub';
import type { FinishedRecording, MarkerKind, RecordingWriter, TerminalMirror } from '../../recording';
import { sha256File } from '../../recording';
import type { Clock } from '../time';
import type { CompiledRule } from '../rules/ruleBook';
import type { RecordingFacts, SessionFacts, SessionLedger } from '../services/sessionLedger';
import { CommandGate, type RuleMatch } from './commandGate';
import { FileTransferWatch } from './fileTransfer';
import { PROXY_MESSAGES } from './messages';
import type { TargetLeg } from './targetLeg';
import type { TypedCommands } from './typedCommands';

/** How an ended session is closed and recorded. */
export interface Outcome {
  reason: LiveEndReason;
  /** Shown on the operator's terminal on its own line before the channel closes. */
  operatorMessage: string | null;
  /** The session row's error message (null for a normal end or a drop). */
  errorMessage: string | null;
  /** The note of the Terminated event. */
  note: string;
  marker: { kind: MarkerKind; note: string } | null;
}

type Exit = { code: number } | { signal: string; dumped: boolean; description: string };

export interface ProxySessionOptions {
  sessionId: number;
  facts: SessionFacts;
  startedAt: Date;
  operator: ServerChannel;
  pty: PseudoTtyInfo | null;
  target: TargetLeg;
  writer: RecordingWriter;
  /** Relative to the data folder; the absolute `writer` path is what it points at. */
  recordingPath: string;
  absoluteRecordingPath: string;
  mirror: TerminalMirror;
  /** Command extraction; null for sessions without a terminal. */
  commands: TypedCommands | null;
  ledger: SessionLedger;
  clock: Clock;
  /** How long closing waits for each leg to confirm before it goes on without it. */
  closeTimeoutMs?: number;
  /**
   * When set, the first bytes are watched for a file transfer (SFTP, scp, rsync), which then ends
   * the session with this outcome before those bytes pass.
   */
  refuseFileTransfer?: (() => Outcome) | null;
  /** The audited-command rules of the session's target, checked at each Enter of a terminal session. */
  rules?: SessionRules | null;
}

export interface SessionRules {
  /** The rules that apply now, oldest first (they change while the session runs). */
  current(): readonly CompiledRule[];
  /** Reads the rules again from the database (awaited at each Enter before the line is checked). */
  refresh?(): Promise<void>;
}

/** Input kept as evidence per block; nothing slows the operator down then, so the rest is dropped. */
const MAX_INPUT_WHILE_BLOCKED = 64 * 1024;

/**
 * One proxied SSH session while it runs: bytes flow operator ⇄ target with backpressure both ways,
 * every byte is recorded, output is mirrored for late-joining viewers, and auditors may block the
 * operator's input or drop the session (the LiveSession contract of live/hub.ts).
 */
export class ProxySession extends EventEmitter<LiveSessionEvents> implements LiveSession {
  readonly sessionId: number;
  readonly operatorUserId: number;
  readonly startedAt: Date;
  #blocked = false;
  #eofWhileBlocked = false;
  #inputWhileBlocked = 0;
  #transferWatch: FileTransferWatch | null;
  #exit: Exit | null = null;
  #ending: Promise<void> | null = null;
  #operatorClosed = false;
  #targetClosed = false;
  #targetConnectionClosed = false;
  /** Why the target's output is paused: the operator is slow, or the recording is behind. */
  readonly #outputHolds = new Set<'operator' | 'stderr' | 'recording'>();
  /** Why the operator's input is paused: the target is slow, or input waits behind an Enter. */
  readonly #inputHolds = new Set<'target' | 'rules'>();
  readonly #gate: CommandGate | null;
  #eofAfterGate = false;
  readonly #options: ProxySessionOptions;
  readonly #closeTimeoutMs: number;

  constructor(options: ProxySessionOptions) {
    super();
    this.#options = options;
    this.sessionId = options.sessionId;
    this.operatorUserId = options.facts.userId;
    this.startedAt = options.startedAt;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 3000;
    this.#transferWatch = options.refuseFileTransfer ? new FileTransferWatch() : null;
    this.#gate = this.#commandGate(options);
  }

  /** Rules apply to sessions with a terminal, where commands are typed. */
  #commandGate({ commands, rules, writer }: ProxySessionOptions): CommandGate | null {
    if (commands === null || !rules) return null;
    return new CommandGate({
      commands,
      rules: () => rules.current(),
      refreshRules: rules.refresh === undefined ? undefined : () => rules.refresh!(),
      send: (data) => this.#send(data),
      matched: (match, dropped) => this.#ruleMatched(match, dropped),
      flowControl: (paused) => (paused ? this.#holdInput('rules') : this.#releaseInput('rules')),
      droppedPasteRest: (bytes) =>
        writer.marker('notice', `${bytes} more bytes of the stopped paste were not sent`),
      drained: () => {
        // The operator's EOF waited for the input held before it.
        if (this.#eofAfterGate && !this.#blocked && this.#ending === null) this.#options.target.channel.end();
      },
    });
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  get ended(): boolean {
    return this.#ending !== null;
  }

  /** Connects the legs; the operator's input was paused until now. */
  start(): void {
    const { operator, target, writer } = this.#options;
    const channel = target.channel;
    channel.on('data', this.#onTargetData);
    channel.stderr.on('data', this.#onTargetStderr);
    channel.on('exit', this.#onTargetExit);
    if (target.earlyExit !== undefined) this.#onTargetExit(...target.earlyExit);
    channel.once('close', this.#onTargetChannelClose);
    target.client.once('close', this.#onTargetConnectionClose);
    target.client.on('error', () => undefined); // reported through 'close'
    writer.on('drain', this.#onRecordingDrain);
    operator.on('data', this.#onOperatorData);
    operator.once('end', this.#onOperatorEof);
    operator.once('close', this.#onOperatorClose);
    operator.resume();
  }

  async snapshot(): Promise<LiveScreen> {
    const screen = await this.#options.mirror.snapshot();
    return { cols: screen.cols, rows: screen.rows, screen: screen.screen };
  }

  setBlocked(blocked: boolean, by: string): void {
    if (this.#ending !== null) throw new Error(`Session ${this.sessionId} has ended`);
    if (blocked === this.#blocked) return;
    this.#blocked = blocked;
    // Input held behind an undecided Enter came before the block, but must not reach the target now.
    if (blocked && this.#gate?.holding) {
      this.#gate.discard();
      if (this.#eofAfterGate) this.#eofWhileBlocked = true;
    }
    const at = new Date(this.#options.clock());
    this.#noteDroppedInput();
    this.#options.writer.marker(blocked ? 'block' : 'release', by);
    this.#notice(blocked ? OPERATOR_MESSAGES.blocked : OPERATOR_MESSAGES.released);
    if (!blocked && this.#eofWhileBlocked) this.#options.target.channel.end();
    this.emit('interactivity', blocked, by, at);
  }

  drop(by: string): Promise<void> {
    return this.end({
      reason: 'dropped',
      operatorMessage: OPERATOR_MESSAGES.dropped,
      errorMessage: null,
      note: `Dropped by ${by}`,
      marker: { kind: 'drop', note: by },
    });
  }

  /** Forwards a window change: resizes pass even while input is blocked. */
  resize(cols: number, rows: number, width: number, height: number): void {
    if (this.#ending !== null || cols <= 0 || rows <= 0) return;
    this.#options.target.channel.setWindow(rows, cols, height, width);
    this.#options.writer.resize(cols, rows);
    this.#options.mirror.resize(cols, rows);
    this.emit('resize', cols, rows);
  }

  /** Forwards a signal request (`ssh` sends them rarely); dropped while input is blocked. */
  signal(name: string): void {
    if (this.#ending !== null || this.#blocked) return;
    try {
      this.#options.target.channel.signal(name);
    } catch {
      // An unknown signal name: the target would refuse it too.
    }
  }

  /** The operator's connection is gone: nothing can be shown to them any more. */
  operatorDisconnected(): Promise<void> {
    this.#operatorClosed = true;
    return this.end({
      reason: 'terminated',
      operatorMessage: null,
      errorMessage: null,
      note: 'The operator disconnected',
      marker: null,
    });
  }

  /** Closes both legs, finishes the recording and the session row. Idempotent. */
  end(outcome: Outcome): Promise<void> {
    this.#ending ??= this.#end(outcome);
    return this.#ending;
  }

  readonly #onTargetData = (chunk: Buffer): void => this.#output(chunk, this.#options.operator, 'operator');

  readonly #onTargetStderr = (chunk: Buffer): void =>
    this.#output(chunk, this.#options.operator.stderr, 'stderr');

  #output(chunk: Buffer, to: Writable, hold: 'operator' | 'stderr'): void {
    if (hold === 'operator' && this.#transferIn('output', chunk)) return;
    // The operator first: recording and mirroring only queue work, but they need not delay the echo.
    if (!this.#operatorClosed && !to.write(chunk)) {
      this.#hold(hold);
      to.once('drain', () => this.#release(hold));
    }
    const { writer, mirror } = this.#options;
    if (!writer.output(chunk)) this.#hold('recording');
    this.#options.commands?.output(chunk, writer.elapsed());
    this.#gate?.output(chunk);
    mirror.write(chunk);
    this.emit('output', chunk);
  }

  #hold(reason: 'operator' | 'stderr' | 'recording'): void {
    if (this.#outputHolds.size === 0) {
      this.#options.target.channel.pause();
      this.#options.target.channel.stderr.pause();
    }
    this.#outputHolds.add(reason);
  }

  #release(reason: 'operator' | 'stderr' | 'recording'): void {
    if (!this.#outputHolds.delete(reason) || this.#outputHolds.size > 0 || this.#ending !== null) return;
    this.#options.target.channel.resume();
    this.#options.target.channel.stderr.resume();
  }

  readonly #onRecordingDrain = (): void => this.#release('recording');

  readonly #onOperatorData = (chunk: Buffer): void => {
    const { writer } = this.#options;
    if (this.#transferIn('input', chunk)) return;
    if (this.#blocked) {
      // Input is evidence also while blocked (markers tell), up to a bound; it is never a command.
      const room = MAX_INPUT_WHILE_BLOCKED - this.#inputWhileBlocked;
      this.#inputWhileBlocked += chunk.length;
      if (room > 0) writer.input(chunk.length <= room ? chunk : chunk.subarray(0, room));
      return;
    }
    // Recorded as typed, also what a rule then keeps from the target.
    writer.input(chunk);
    if (this.#gate === null) this.#send(chunk);
    else this.#gate.input(chunk);
  };

  /** Input on to the target, then to the command extraction. */
  #send(chunk: Buffer): void {
    const { writer, commands, target } = this.#options;
    if (!target.channel.write(chunk) && !this.#inputHolds.has('target')) {
      this.#holdInput('target');
      target.channel.once('drain', () => this.#releaseInput('target'));
    }
    commands?.input(chunk, writer.elapsed());
  }

  #holdInput(reason: 'target' | 'rules'): void {
    if (this.#inputHolds.size === 0) this.#options.operator.pause();
    this.#inputHolds.add(reason);
  }

  #releaseInput(reason: 'target' | 'rules'): void {
    if (!this.#inputHolds.delete(reason) || this.#inputHolds.size > 0 || this.#ending !== null) return;
    this.#options.operator.resume();
  }

  /**
   * A rule matched the line at Enter: kept as a risky command with its event and a recording
   * marker. A block (or interrupt) tells the operator on its own line, then shows the prompt row
   * again for the shell's line clearing to act on; an interrupt then drops the session.
   */
  #ruleMatched({ rule, command, rows }: RuleMatch, dropped: number): void {
    const o = this.#options;
    const offsetMs = o.writer.elapsed();
    o.writer.marker('policy', `${rule.action} ${rule.name}: ${command.slice(0, 500)}`);
    try {
      o.ledger
        .commandMatched(o.facts, {
          sessionId: this.sessionId,
          at: this.startedAt.getTime() + offsetMs,
          offsetMs,
          rule: rule.name,
          score: rule.score,
          criticality: rule.criticality,
          action: rule.action,
          command,
        })
        .catch(() => {
          // The database refused (e.g. closed at shutdown): the recording's marker still tells.
        });
    } catch {
      // As above, when the refusal came at once.
    }
    if (rule.action === 'allow') return;
    if (dropped > 0)
      o.writer.marker('notice', `${dropped} bytes typed after the blocked command were not sent`);
    const notice = commandBlockedMessage(rule.name);
    this.#notice(dropped > 0 ? `${notice}\r\n${PROXY_MESSAGES.inputDropped(dropped)}` : notice);
    if (rule.action === 'block') {
      if (!this.#operatorClosed && o.pty !== null) o.operator.write(rows);
      return;
    }
    // Dropped as an auditor's Drop does; the session's error says why, as no auditor did it.
    void this.end({
      reason: 'dropped',
      operatorMessage: OPERATOR_MESSAGES.dropped,
      errorMessage: `Dropped by policy (${rule.name})`,
      note: `Dropped by policy (${rule.name})`,
      marker: { kind: 'drop', note: `policy (${rule.name})` },
    });
  }

  /** Ends the session when the watched bytes are a file transfer; stops watching once the start passed. */
  #transferIn(direction: 'input' | 'output', chunk: Buffer): boolean {
    if (this.#transferWatch === null) return false;
    if (this.#transferWatch[direction](chunk)) {
      this.#transferWatch = null;
      void this.end(this.#options.refuseFileTransfer!());
      return true;
    }
    if (this.#transferWatch.done) this.#transferWatch = null;
    return false;
  }

  /** Says in the recording how much of what was typed during a block it does not hold. */
  #noteDroppedInput(): void {
    const dropped = this.#inputWhileBlocked - MAX_INPUT_WHILE_BLOCKED;
    if (dropped > 0)
      this.#options.writer.marker('notice', `${dropped} bytes typed while blocked were not recorded`);
    this.#inputWhileBlocked = 0;
  }

  readonly #onOperatorEof = (): void => {
    if (this.#ending !== null) return;
    if (this.#blocked) this.#eofWhileBlocked = true;
    else if (this.#gate?.holding) this.#eofAfterGate = true;
    else this.#options.target.channel.end();
  };

  readonly #onTargetExit = (
    code: number | null,
    signal?: string,
    dumped?: boolean,
    description?: string,
  ): void => {
    this.#exit =
      code !== null
        ? { code }
        : { signal: signal ?? 'SIGKILL', dumped: dumped === true, description: description ?? '' };
  };

  readonly #onTargetChannelClose = (): void => {
    this.#targetClosed = true;
    const exit = this.#exit;
    void this.end({
      reason: 'terminated',
      operatorMessage: null,
      errorMessage: null,
      note: exit === null ? 'The target closed the session' : `The session ended (${describeExit(exit)})`,
      marker: null,
    });
  };

  readonly #onTargetConnectionClose = (): void => {
    this.#targetConnectionClosed = true;
    // With an exit status the session ended properly: the channel's close follows, after its output.
    if (this.#exit !== null) return;
    const target = this.#options.facts.device;
    void this.end({
      reason: 'failed',
      operatorMessage: PROXY_MESSAGES.targetLost(target),
      errorMessage: `The connection to ${target} was lost`,
      note: `The connection to ${target} was lost`,
      marker: { kind: 'error', note: 'target connection lost' },
    });
  };

  readonly #onOperatorClose = (): void => {
    this.#operatorClosed = true;
    void this.end({
      reason: 'terminated',
      operatorMessage: null,
      errorMessage: null,
      note: 'The operator closed the session',
      marker: null,
    });
  };

  /** A notice on the operator's terminal, on its own line; never sent to the target nor recorded as output. */
  #notice(text: string): void {
    if (this.#operatorClosed) return;
    if (this.#options.pty !== null) this.#options.operator.write(`\r\n${text}\r\n`);
    else this.#options.operator.stderr.write(`${text}\n`);
  }

  async #end(outcome: Outcome): Promise<void> {
    const o = this.#options;
    const endedAt = Math.max(o.clock(), this.startedAt.getTime());
    // Without listeners the streams discard what still arrives, so both can reach their close.
    o.operator.off('data', this.#onOperatorData);
    o.target.channel.off('data', this.#onTargetData);
    o.target.channel.stderr.off('data', this.#onTargetStderr);
    this.#gate?.close();
    // Lines typed ahead whose echo came before the end are commands too.
    try {
      o.commands?.finish();
    } catch {
      // The database refused (e.g. closed at shutdown): the recording still has the keystrokes.
    }
    o.operator.resume();
    o.target.channel.resume();
    o.target.channel.stderr.resume();
    this.#noteDroppedInput();
    if (outcome.marker !== null) o.writer.marker(outcome.marker.kind, outcome.marker.note);

    await Promise.all([this.#closeOperator(outcome), this.#closeTarget()]);

    const recording = await this.#closeRecording();
    o.mirror.dispose();
    try {
      await o.ledger.finish(this.sessionId, o.facts, endedAt, {
        errorMessage: outcome.errorMessage ?? (recording.ok ? null : PROXY_MESSAGES.recordingFailed),
        note: outcome.note,
        recording: recording.facts,
      });
    } catch {
      // The database refused (e.g. closed at shutdown): the next start finishes the row from the file.
    }
    this.emit('ended', outcome.reason, new Date(endedAt), outcome.operatorMessage);
  }

  async #closeOperator(outcome: Outcome): Promise<void> {
    const { operator } = this.#options;
    if (this.#operatorClosed) return;
    const closed = new Promise<void>((resolve) => operator.once('close', () => resolve()));
    if (outcome.operatorMessage !== null) this.#notice(outcome.operatorMessage);
    // The exit status goes out of band: first let the output before it reach the operator.
    await Promise.race([
      Promise.all([flushed(operator), flushed(operator.stderr)]),
      delay(this.#closeTimeoutMs / 2),
    ]);
    const exit = this.#exit ?? (outcome.reason === 'failed' ? { code: 255 } : null);
    if (exit !== null && outcome.reason !== 'dropped') sendExit(operator, exit);
    operator.end();
    await Promise.race([closed, delay(this.#closeTimeoutMs)]);
  }

  async #closeTarget(): Promise<void> {
    const { client } = this.#options.target;
    if (this.#targetConnectionClosed) return;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    if (!this.#targetClosed) this.#options.target.channel.close();
    client.end();
    const timer = delay(this.#closeTimeoutMs).then(() => client.destroy());
    await Promise.race([closed, timer]);
  }

  /** The finished file's size and hash; after a recording failure, of what reached the disk. */
  async #closeRecording(): Promise<{ ok: boolean; facts: RecordingFacts | null }> {
    const o = this.#options;
    let finished: FinishedRecording;
    try {
      finished = await o.writer.close();
    } catch {
      try {
        const size = (await stat(o.absoluteRecordingPath)).size;
        return {
          ok: false,
          facts: { path: o.recordingPath, size, sha256: await sha256File(o.absoluteRecordingPath) },
        };
      } catch {
        return { ok: false, facts: null };
      }
    }
    return { ok: true, facts: { path: o.recordingPath, size: finished.size, sha256: finished.sha256 } };
  }
}

function describeExit(exit: Exit): string {
  return 'code' in exit ? `exit status ${exit.code}` : `signal ${exit.signal}`;
}

function sendExit(operator: ServerChannel, exit: Exit): void {
  try {
    if ('code' in exit) operator.exit(exit.code);
    else operator.exit(exit.signal, exit.dumped, exit.description);
  } catch {
    operator.exit(255);
  }
}

/**
 * Resolves once everything written to `stream` so far went out: an empty write queues behind
 * the rest and its callback runs after them ('drain' alone fires only after a refused write).
 */
function flushed(stream: Writable): Promise<void> {
  if (!stream.writable || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write(Buffer.alloc(0), () => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
