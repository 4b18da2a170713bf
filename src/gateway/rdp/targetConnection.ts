import { EventEmitter } from 'node:events';
import type { RdpBitmapEvent, RdpClient, RdpClientConfig } from 'node-rdpjs-2';
import { checkCertificate, type CertificatePin } from './certificate';
import { describeRdpFailure, RDP_ERRORS, type RdpTargetError } from './errors';
import { PacedInput, type RdpInput } from './inputQueue';
import { createRdpClient } from './library';
import type { LoginVerdict, LoginWatch, LoginWatcher } from './loginWatch';

export interface RdpTargetRequest {
  host: string;
  port: number;
  domain?: string;
  user: string;
  password: string;
  width: number;
  height: number;
  certificate: CertificatePin;
  /** How this kind of target shows whether the login worked. */
  login: LoginWatcher;
  /** From the first connect to a known-good login. */
  timeoutMs?: number;
  /** Between two input events sent to the target. */
  inputGapMs?: number;
}

export interface RdpTargetDependencies {
  createClient: (config: RdpClientConfig) => RdpClient;
}

/** One bitmap rectangle as the target sent it (still compressed when `compressed`). */
export interface RdpBitmapRect {
  /** Where it goes on the screen: left, top, and inclusive right, bottom. */
  x: number;
  y: number;
  right: number;
  bottom: number;
  /** The bitmap's own size in pixels (it may be larger than the screen area it covers). */
  width: number;
  height: number;
  bpp: number;
  compressed: boolean;
  data: Uint8Array;
}

export type RdpCloseReason = { by: 'gateway' } | { by: 'target' } | { by: 'error'; error: RdpTargetError };

interface RdpTargetEvents {
  bitmap: [RdpBitmapRect];
  closed: [RdpCloseReason];
}

const INFO_MAXIMIZESHELL = 0x20;
const PROTOCOL_RDP = 0;
const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_INPUT_GAP_MS = 2;

type Stage = 'connecting' | 'negotiation' | 'TLS handshake' | 'certificate check' | 'RDP handshake' | 'login';

/**
 * The gateway's RDP connection to a target (TLS only, the certificate pinned like SSH host keys).
 * It starts at once; `ready` resolves when the target shows a logged-in session and rejects with an
 * RdpTargetError otherwise. Bitmaps received while logging in are held and emitted after `ready`, so
 * listeners added before or just after awaiting it see the first full repaint. `closed` comes once,
 * whatever the outcome.
 */
export class RdpTargetConnection extends EventEmitter<RdpTargetEvents> {
  readonly ready: Promise<void>;
  readonly #client: RdpClient;
  readonly #input: PacedInput;
  readonly #address: string;
  #state: 'opening' | 'releasing' | 'open' | 'closed' = 'opening';
  #stage: Stage = 'connecting';
  #held: RdpBitmapRect[] = [];
  #watch: LoginWatch | null = null;
  #error: RdpTargetError | null = null;
  #dropped = false;
  #resolve!: () => void;
  #reject!: (err: RdpTargetError) => void;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly request: RdpTargetRequest,
    dependencies: RdpTargetDependencies = { createClient: createRdpClient },
  ) {
    super();
    this.ready = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Whoever only listens to `closed` must not crash the process with an unhandled rejection.
    this.ready.catch(() => undefined);
    this.#address = `${request.host}:${request.port}`;
    this.#input = new PacedInput(
      (input) => this.sendInput(input),
      request.inputGapMs ?? DEFAULT_INPUT_GAP_MS,
    );
    // The password is not given here: it enters the client only once the certificate is trusted.
    this.#client = dependencies.createClient({
      domain: request.domain ?? '',
      userName: request.user,
      autoLogin: true,
      decompress: false,
      screen: { width: request.width, height: request.height },
      locale: 'en',
    });
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#timer = setTimeout(() => this.fail(RDP_ERRORS.timeout(this.#stage, timeoutMs)), timeoutMs);
    this.wire();
    this.#client.connect(request.host, request.port);
  }

  /** Queues a key (set-1 scancode); false when refused (not open, or too much input waiting). */
  key(code: number, down: boolean, extended = false): boolean {
    return this.queue({ kind: 'key', code, down, extended });
  }

  pointer(x: number, y: number, button: 0 | 1 | 2 | 3, down: boolean): boolean {
    return this.queue({ kind: 'pointer', x, y, button, down });
  }

  wheel(x: number, y: number, step: number, negative: boolean, horizontal = false): boolean {
    return this.queue({ kind: 'wheel', x, y, step, negative, horizontal });
  }

  /** Input events queued and not yet sent. */
  get pendingInput(): number {
    return this.#input.pending;
  }

  /** Ends the connection without logging off: xrdp keeps the session for a later reconnect. */
  drop(): void {
    if (this.#state === 'closed' || this.#dropped) return;
    this.#dropped = true;
    if (this.#state === 'opening') return this.fail(RDP_ERRORS.dropped());
    this.#input.close();
    this.destroySocket();
  }

  private wire(): void {
    const client = this.#client;
    client.sec.infos.obj.flag.value |= INFO_MAXIMIZESHELL; // xrdp drops clients without it
    // The client's own listener rethrows some protocol errors from inside a socket callback, which
    // would take the gateway down: errors are handled here instead.
    client.global.removeAllListeners('error');
    client.global.on('error', (err: Error) => this.onError(err));
    client.on('error', (err) => this.onError(err));
    client.on('close', () => this.onClose());
    client.on('connect', () => (this.#stage = 'login'));
    client.on('bitmap', (bitmap) => this.onBitmap(bitmap));
    client.bufferLayer.socket.once('connect', () => (this.#stage = 'negotiation'));

    const x224 = client.x224;
    const confirm = x224.recvConnectionConfirm;
    x224.recvConnectionConfirm = function (stream) {
      confirm.call(this, stream);
      // node-rdpjs would wait forever here: it has no standard RDP security.
      if (this.selectedProtocol === PROTOCOL_RDP) throw RDP_ERRORS.noTls();
    };

    // The RDP sequence (and with it the credentials, in the Client Info PDU some round trips later)
    // continues from the TLS callback: hold it until the certificate is trusted.
    const layer = client.bufferLayer;
    const startTLS = layer.startTLS.bind(layer);
    layer.startTLS = (proceed) => {
      this.#stage = 'TLS handshake';
      startTLS(() => {
        this.#stage = 'certificate check';
        void this.trustThenProceed(proceed);
      });
    };
  }

  private async trustThenProceed(proceed: () => void): Promise<void> {
    const shown = this.#client.bufferLayer.secureSocket?.getPeerCertificate()?.fingerprint256;
    if (!shown) return this.fail(RDP_ERRORS.tls('the target sent no certificate'));
    const problem = await checkCertificate(this.request.certificate, shown);
    if (this.#state !== 'opening') return;
    if (problem !== null) return this.fail(problem);
    this.#client.sec.infos.obj.password.value = Buffer.from(`${this.request.password}\0`, 'utf16le');
    this.#stage = 'RDP handshake';
    this.#watch = this.request.login.watch(
      { width: this.request.width, height: this.request.height },
      (verdict) => this.onVerdict(verdict),
    );
    proceed();
  }

  private onBitmap(bitmap: RdpBitmapEvent): void {
    if (this.#state === 'closed') return;
    const rect = toRect(bitmap);
    if (this.#state === 'open') {
      this.emit('bitmap', rect);
      return;
    }
    this.#held.push(rect);
    this.#watch?.update({ left: rect.x, top: rect.y, right: rect.right, bottom: rect.bottom });
  }

  private onVerdict(verdict: LoginVerdict): void {
    if (this.#state !== 'opening') return;
    if (!verdict.ok) return this.fail(RDP_ERRORS.loginFailed(verdict.detail));
    clearTimeout(this.#timer);
    this.#state = 'releasing';
    this.#resolve();
    // After the caller's `await ready` has run: it may add its listener there.
    setImmediate(() => {
      if (this.#state !== 'releasing') return;
      const held = this.#held;
      this.#held = [];
      this.#state = 'open';
      for (const rect of held) this.emit('bitmap', rect);
    });
  }

  private onError(err: Error): void {
    if (this.#state === 'opening') return this.fail(describeRdpFailure(err, this.#address));
    // After drop(), a write racing the destroyed socket may still report an error: not the target's.
    if (this.#state === 'closed' || this.#error !== null || this.#dropped) return;
    this.#error = describeRdpFailure(err, this.#address);
    this.destroySocket();
  }

  private onClose(): void {
    if (this.#state === 'opening') return this.fail(RDP_ERRORS.closed(this.#stage));
    if (this.#state === 'closed') return;
    const reason: RdpCloseReason =
      this.#error !== null
        ? { by: 'error', error: this.#error }
        : this.#dropped
          ? { by: 'gateway' }
          : { by: 'target' };
    this.finish(reason);
  }

  private fail(error: RdpTargetError): void {
    if (this.#state !== 'opening') return;
    this.#reject(error);
    this.destroySocket();
    this.finish(this.#dropped ? { by: 'gateway' } : { by: 'error', error });
  }

  private finish(reason: RdpCloseReason): void {
    this.#state = 'closed';
    this.#held = [];
    clearTimeout(this.#timer);
    this.#watch?.dispose();
    this.#input.close();
    this.emit('closed', reason);
  }

  /** Not the client's close(): with xrdp it always ends in an error (a TLS decode-error alert) first. */
  private destroySocket(): void {
    const layer = this.#client.bufferLayer;
    (layer.secureSocket ?? layer.socket).destroy();
  }

  private queue(input: RdpInput): boolean {
    if ((this.#state !== 'open' && this.#state !== 'releasing') || this.#dropped) return false;
    return this.#input.push(input);
  }

  private sendInput(input: RdpInput): void {
    const client = this.#client;
    if (input.kind === 'key') client.sendKeyEventScancode(input.code, input.down, input.extended);
    else if (input.kind === 'pointer') client.sendPointerEvent(input.x, input.y, input.button, input.down);
    else client.sendWheelEvent(input.x, input.y, input.step, input.negative, input.horizontal);
  }
}

function toRect(bitmap: RdpBitmapEvent): RdpBitmapRect {
  const data = bitmap.data;
  return {
    x: bitmap.destLeft,
    y: bitmap.destTop,
    right: bitmap.destRight,
    bottom: bitmap.destBottom,
    width: bitmap.width,
    height: bitmap.height,
    bpp: bitmap.bitsPerPixel,
    compressed: Boolean(bitmap.isCompress),
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
