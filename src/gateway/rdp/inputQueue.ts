export type RdpInput =
  | { kind: 'key'; code: number; down: boolean; extended: boolean }
  /** button 0 is a move; 1–3 are left, right and middle. */
  | { kind: 'pointer'; x: number; y: number; button: 0 | 1 | 2 | 3; down: boolean }
  | { kind: 'wheel'; x: number; y: number; step: number; negative: boolean; horizontal: boolean };

/**
 * Sends input events one at a time with a gap between them: a burst sent back to back (a pasted
 * line) once lost a character on xrdp. Queued pointer moves collapse into the latest one.
 */
export class PacedInput {
  readonly #queue: RdpInput[] = [];
  #timer: NodeJS.Timeout | null = null;
  #nextAt = 0;
  #closed = false;

  constructor(
    private readonly send: (input: RdpInput) => void,
    private readonly gapMs: number,
    /** Events beyond this many waiting are refused, so a flooding client cannot grow the queue. */
    private readonly limit = 10_000,
  ) {}

  /** false when the event was refused (queue full or closed). */
  push(input: RdpInput): boolean {
    if (this.#closed) return false;
    const last = this.#queue.at(-1);
    if (isMove(input) && last !== undefined && isMove(last)) {
      this.#queue[this.#queue.length - 1] = input;
      return true;
    }
    if (this.#queue.length >= this.limit) return false;
    this.#queue.push(input);
    this.schedule();
    return true;
  }

  get pending(): number {
    return this.#queue.length;
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  private schedule(): void {
    if (this.#timer !== null || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => this.sendNext(), Math.max(0, this.#nextAt - Date.now()));
  }

  private sendNext(): void {
    this.#timer = null;
    const input = this.#queue.shift();
    if (input === undefined || this.#closed) return;
    this.#nextAt = Date.now() + this.gapMs;
    this.send(input);
    this.schedule();
  }
}

function isMove(input: RdpInput): boolean {
  return input.kind === 'pointer' && input.button === 0;
}
