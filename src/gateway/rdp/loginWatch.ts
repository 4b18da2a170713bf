/** A screen area with inclusive bounds, as RDP bitmap updates give them. */
export interface ScreenArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ScreenSize {
  width: number;
  height: number;
}

export type LoginVerdict = { ok: true } | { ok: false; detail: string };

/** Follows one connection's screen updates until it can tell whether the login worked. */
export interface LoginWatch {
  update(area: ScreenArea): void;
  /** Stops its timers; no verdict comes after. */
  dispose(): void;
}

/**
 * RDP has no reliable "login failed" message (the server may carry on and show its own screen), so
 * each kind of target is read from what it paints after the credentials are sent.
 */
export interface LoginWatcher {
  readonly kind: string;
  /** `decide` is called at most once. */
  watch(screen: ScreenSize, decide: (verdict: LoginVerdict) => void): LoginWatch;
}

/** xrdp's "Connection Log" window, where it reports a refused login (and other session errors). */
const XRDP_LOG_WINDOW: ScreenArea = { left: 10, top: 10, right: 409, bottom: 409 };
/** Share of the screen a session's first repaint covers; the log window never comes close. */
const FULL_REPAINT = 0.9;
/** The log window is drawn in one burst; this much quiet after it means nothing else is coming. */
const LOG_WINDOW_SETTLE_MS = 400;
const CELL = 16;

/**
 * xrdp (with autologon) paints nothing until the session is up, then repaints the whole screen.
 * When the login fails it instead opens its log window (~2.8 s later, after PAM's delay) and paints
 * only inside it.
 */
export const xrdpLoginWatcher: LoginWatcher = {
  kind: 'xrdp',
  watch: (screen, decide) => new XrdpLoginWatch(screen, decide),
};

class XrdpLoginWatch implements LoginWatch {
  readonly #coverage: CoverageGrid;
  #paintedOutsideLogWindow = false;
  #settle: NodeJS.Timeout | null = null;
  #decided = false;

  constructor(
    screen: ScreenSize,
    private readonly decide: (verdict: LoginVerdict) => void,
  ) {
    this.#coverage = new CoverageGrid(screen);
  }

  update(area: ScreenArea): void {
    if (this.#decided) return;
    this.#coverage.add(area);
    if (this.#coverage.share() >= FULL_REPAINT) return this.finish({ ok: true });
    if (!within(area, XRDP_LOG_WINDOW)) this.#paintedOutsideLogWindow = true;
    if (this.#settle !== null) clearTimeout(this.#settle);
    this.#settle = null;
    if (this.#paintedOutsideLogWindow) return;
    this.#settle = setTimeout(
      () => this.finish({ ok: false, detail: 'xrdp showed its login-failed window' }),
      LOG_WINDOW_SETTLE_MS,
    );
  }

  dispose(): void {
    this.#decided = true;
    if (this.#settle !== null) clearTimeout(this.#settle);
    this.#settle = null;
  }

  private finish(verdict: LoginVerdict): void {
    this.dispose();
    this.decide(verdict);
  }
}

function within(area: ScreenArea, box: ScreenArea): boolean {
  return area.left >= box.left && area.top >= box.top && area.right <= box.right && area.bottom <= box.bottom;
}

/** Which parts of the screen have been painted, to the nearest cell (a cell counts once its centre is). */
class CoverageGrid {
  readonly #columns: number;
  readonly #rows: number;
  readonly #painted: Uint8Array;
  #count = 0;

  constructor(private readonly screen: ScreenSize) {
    this.#columns = Math.max(1, Math.ceil(screen.width / CELL));
    this.#rows = Math.max(1, Math.ceil(screen.height / CELL));
    this.#painted = new Uint8Array(this.#columns * this.#rows);
  }

  add(area: ScreenArea): void {
    for (let row = 0; row < this.#rows; row++) {
      const y = Math.min(row * CELL + CELL / 2, this.screen.height - 1);
      if (y < area.top || y > area.bottom) continue;
      for (let column = 0; column < this.#columns; column++) {
        const x = Math.min(column * CELL + CELL / 2, this.screen.width - 1);
        if (x < area.left || x > area.right) continue;
        const cell = row * this.#columns + column;
        if (this.#painted[cell] === 0) {
          this.#painted[cell] = 1;
          this.#count++;
        }
      }
    }
  }

  share(): number {
    return this.#count / this.#painted.length;
  }
}
