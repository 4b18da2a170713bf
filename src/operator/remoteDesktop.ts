import { scancodeOf } from '../shared/rdpKeys';
import { RemoteScreen } from '../shared/rdpScreen';
import { isRdpServerMessage, type RdpClientMessage, type RdpServerMessage } from '../shared/rdpWire';
import { paintChanges } from './paint';

export interface RemoteDesktopEvents {
  /** The gateway's words for the operator: blocks, releases, refusals, the end. */
  message(message: RdpServerMessage): void;
  /** The socket closed (after `ended` or `refused`, or cut). */
  closed(): void;
}

/** Pointer buttons as RDP numbers them, from the browser's `MouseEvent.button`. */
const BUTTONS: Readonly<Record<number, 1 | 2 | 3>> = { 0: 1, 1: 3, 2: 2 };
/** One notch of a wheel, in RDP's units. */
const WHEEL_NOTCH = 120;

/**
 * The remote desktop in a canvas: bitmap rectangles from the gateway drawn as they come (decoded
 * here, painted once per animation frame), and the operator's keys, pointer and wheel sent back.
 * Keys travel as physical scancodes, so the target's layout decides the characters.
 */
export class RemoteDesktop {
  readonly canvas: HTMLCanvasElement;
  readonly #context: CanvasRenderingContext2D;
  readonly #socket: WebSocket;
  #screen: RemoteScreen | null = null;
  #painting = false;
  readonly #pressed = new Map<string, { code: number; extended: boolean }>();
  #pendingMove: { x: number; y: number } | null = null;

  constructor(
    url: string,
    private readonly connect: Extract<RdpClientMessage, { type: 'connect' }>,
    private readonly events: RemoteDesktopEvents,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = connect.width;
    this.canvas.height = connect.height;
    this.canvas.tabIndex = 0;
    this.canvas.className = 'remote-screen';
    this.#context = this.canvas.getContext('2d', { alpha: false })!;
    this.#socket = new WebSocket(url);
    this.#socket.binaryType = 'arraybuffer';
    this.#socket.addEventListener('open', () => this.send(connect));
    this.#socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) =>
      this.onMessage(event.data),
    );
    this.#socket.addEventListener('close', () => {
      this.releaseKeys();
      events.closed();
    });
    this.listen();
  }

  close(): void {
    this.#socket.close(1000, 'Closed by the operator');
  }

  private onMessage(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') return this.onFrame(new Uint8Array(data));
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRdpServerMessage(message)) return;
    if (message.type === 'ready') {
      this.#screen = new RemoteScreen(message.width, message.height);
      this.canvas.width = message.width;
      this.canvas.height = message.height;
      this.canvas.focus();
    }
    this.events.message(message);
  }

  private onFrame(bytes: Uint8Array): void {
    const screen = this.#screen;
    if (screen === null) return;
    void screen.push(bytes, () => {
      if (this.#painting) return;
      this.#painting = true;
      requestAnimationFrame(() => {
        this.#painting = false;
        paintChanges(this.#context, screen);
      });
    });
  }

  private send(message: RdpClientMessage): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  private listen(): void {
    const canvas = this.canvas;
    canvas.addEventListener('keydown', (event) => this.onKey(event, true));
    canvas.addEventListener('keyup', (event) => this.onKey(event, false));
    // Keys held when focus leaves would stay down on the target.
    canvas.addEventListener('blur', () => this.releaseKeys());
    canvas.addEventListener('contextmenu', (event) => event.preventDefault());
    canvas.addEventListener('pointermove', (event) => this.onMove(event));
    canvas.addEventListener('pointerdown', (event) => {
      canvas.focus();
      canvas.setPointerCapture(event.pointerId);
      this.onButton(event, true);
    });
    canvas.addEventListener('pointerup', (event) => this.onButton(event, false));
    canvas.addEventListener('wheel', (event) => this.onWheel(event), { passive: false });
  }

  private onKey(event: KeyboardEvent, down: boolean): void {
    const scancode = scancodeOf(event.code);
    if (scancode === null) return;
    event.preventDefault();
    if (down) this.#pressed.set(event.code, scancode);
    else this.#pressed.delete(event.code);
    this.send({ type: 'key', code: scancode.code, extended: scancode.extended, down });
  }

  private releaseKeys(): void {
    for (const { code, extended } of this.#pressed.values())
      this.send({ type: 'key', code, extended, down: false });
    this.#pressed.clear();
  }

  /** Where the pointer is on the remote screen (the canvas may be shown scaled). */
  private position(event: MouseEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    const clamp = (value: number, size: number) => Math.max(0, Math.min(size - 1, Math.round(value)));
    return {
      x: clamp(((event.clientX - box.left) * this.canvas.width) / box.width, this.canvas.width),
      y: clamp(((event.clientY - box.top) * this.canvas.height) / box.height, this.canvas.height),
    };
  }

  /** Moves are sent at most once per animation frame: the latest position is what matters. */
  private onMove(event: PointerEvent): void {
    const first = this.#pendingMove === null;
    this.#pendingMove = this.position(event);
    if (!first) return;
    requestAnimationFrame(() => {
      const move = this.#pendingMove;
      this.#pendingMove = null;
      if (move !== null) this.send({ type: 'pointer', ...move, button: 0, down: false });
    });
  }

  private onButton(event: PointerEvent, down: boolean): void {
    const button = BUTTONS[event.button];
    if (button === undefined) return;
    event.preventDefault();
    this.send({ type: 'pointer', ...this.position(event), button, down });
  }

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    const horizontal = Math.abs(event.deltaX) > Math.abs(event.deltaY);
    const delta = horizontal ? event.deltaX : event.deltaY;
    if (delta === 0) return;
    // Browsers scroll down with a positive delta; RDP's negative rotation is towards the operator.
    this.send({ type: 'wheel', ...this.position(event), step: WHEEL_NOTCH, negative: delta > 0, horizontal });
  }
}
