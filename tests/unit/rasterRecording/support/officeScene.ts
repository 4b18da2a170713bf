import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { intBelow } from '../../../support/prng';

/** A screen area in pixels. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type WindowKind = 'editor' | 'terminal' | 'browser' | 'files';

interface AppWindow {
  kind: WindowKind;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
  lines: string[];
  /** First line shown. */
  top: number;
}

const TITLE_BAR = 28;
const TASKBAR = 32;
const SANS = '"DejaVu Sans"';
const MONO = '"DejaVu Sans Mono"';
/** Per kind: toolbar height, line height, font, text colour, background. */
const STYLE: Record<WindowKind, { toolbar: number; line: number; font: string; ink: string; paper: string }> =
  {
    editor: { toolbar: 26, line: 20, font: `14px ${SANS}`, ink: '#1e1e1e', paper: '#ffffff' },
    terminal: { toolbar: 0, line: 17, font: `13px ${MONO}`, ink: '#d4d4d4', paper: '#1e1e1e' },
    browser: { toolbar: 38, line: 20, font: `14px ${SANS}`, ink: '#333333', paper: '#ffffff' },
    files: { toolbar: 30, line: 22, font: `13px ${SANS}`, ink: '#202020', paper: '#ffffff' },
  };
const WORDS = (
  'the report shows revenue increased across all regions with strong growth in services while costs ' +
  'remained stable during quarter team meeting agenda review budget forecast customer project server ' +
  'update install configure backup network storage policy access account password security audit ' +
  'please find attached summary of changes we discussed yesterday and let me know if anything is missing ' +
  'deployment schedule maintenance window database migration completed successfully without errors'
).split(' ');
const COMMANDS = [
  'ls -la /var/log',
  'systemctl status nginx',
  'tail -n 30 /var/log/syslog',
  'df -h',
  'ps aux --sort=-%cpu | head -20',
  'sudo apt-get update',
  'grep -r "timeout" /etc/nginx/',
  'journalctl -u backup.service --since today',
];

/**
 * An office desktop drawn with real fonts (antialiased, as a server renders it): wallpaper,
 * overlapping windows (a document editor, a terminal, a browser page with a photo, a file list)
 * and a taskbar with a clock. Every change marks the screen area it touched; `takeDirty` returns
 * those areas after drawing them.
 */
export class OfficeScene {
  readonly canvas: Canvas;
  private readonly ctx: SKRSContext2D;
  private readonly wallpaper: Canvas;
  private readonly photo: Canvas;
  private windows: AppWindow[] = [];
  private dirty: Area[] = [];
  private caretOn = true;
  private clock = 9 * 60 + 12;
  private opened = 0;

  private readonly textImages = new Map<string, Canvas>();

  /** `smoothText` false: text drawn without antialiasing, as Windows sends it when font smoothing is off. */
  constructor(
    public width: number,
    public height: number,
    private readonly random: () => number,
    private readonly smoothText = true,
  ) {
    this.canvas = createCanvas(width, height);
    this.ctx = this.canvas.getContext('2d');
    this.wallpaper = paintWallpaper(width, height);
    this.photo = paintPhoto(320, 180, random);
    this.openWindow('editor');
    this.openWindow('terminal');
    this.markAll();
  }

  get focused(): WindowKind | null {
    return this.windows.at(-1)?.kind ?? null;
  }

  get windowCount(): number {
    return this.windows.length;
  }

  /** Where to point at to reach the focused window's text (for pointer events). */
  focusPoint(): { x: number; y: number } {
    const w = this.windows.at(-1);
    return w ? { x: w.x + w.width / 2, y: w.y + w.height / 2 } : { x: this.width / 2, y: this.height / 2 };
  }

  /** Where the taskbar button of window `index` is. */
  taskbarPoint(index: number): { x: number; y: number } {
    return { x: 60 + index * 150 + 70, y: this.height - TASKBAR / 2 };
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.canvas.width = width;
    this.canvas.height = height;
    for (const w of this.windows) this.place(w);
    this.markAll();
  }

  markAll(): void {
    this.mark({ x: 0, y: 0, width: this.width, height: this.height });
  }

  openWindow(kind: WindowKind): void {
    const n = this.opened++;
    const width = Math.min(this.width - 40, 560 + intBelow(this.random, 300));
    const height = Math.min(this.height - TASKBAR - 40, 380 + intBelow(this.random, 260));
    const window: AppWindow = {
      kind,
      title: `${kind[0]!.toUpperCase()}${kind.slice(1)} ${n + 1}`,
      x: 20 + ((n * 97) % Math.max(1, this.width - width - 40)),
      y: 16 + ((n * 61) % Math.max(1, this.height - TASKBAR - height - 30)),
      width,
      height,
      lines: this.initialLines(kind),
      top: 0,
    };
    this.place(window);
    this.windows.push(window);
    this.scrollToEnd(window);
    this.mark(frameOf(window));
    this.markTaskbar();
  }

  closeFocused(): void {
    const w = this.windows.pop();
    if (!w) return;
    this.mark(frameOf(w));
    this.markTaskbar();
  }

  /** Brings the window behind the others to the front. */
  focusNext(): void {
    const back = this.windows.shift();
    if (!back) return;
    const front = this.windows.at(-1);
    this.windows.push(back);
    this.mark(frameOf(back));
    if (front) this.mark({ x: front.x, y: front.y, width: front.width, height: TITLE_BAR });
    this.markTaskbar();
  }

  focus(kind: WindowKind): void {
    if (this.focused === kind) return;
    const index = this.windows.findIndex((w) => w.kind === kind);
    if (index < 0) {
      this.openWindow(kind);
      return;
    }
    const [w] = this.windows.splice(index, 1);
    const front = this.windows.at(-1);
    this.windows.push(w!);
    this.mark(frameOf(w!));
    if (front) this.mark({ x: front.x, y: front.y, width: front.width, height: TITLE_BAR });
    this.markTaskbar();
  }

  /** Types into the focused window; returns false when it takes no typing. */
  type(ch: string): boolean {
    const w = this.windows.at(-1);
    if (!w || (w.kind !== 'editor' && w.kind !== 'terminal')) return false;
    const style = STYLE[w.kind];
    this.ctx.font = style.font;
    const last = w.lines.length - 1;
    const before = w.lines[last]!;
    const after = ch === '\b' ? before.slice(0, -1) : before + ch;
    const maxWidth = w.width - 24;
    if (ch !== '\b' && this.ctx.measureText(after).width > maxWidth) {
      w.lines.push(ch === ' ' ? '' : ch);
      this.afterNewLines(w);
      return true;
    }
    w.lines[last] = after;
    this.caretOn = true;
    const row = last - w.top;
    const left =
      w.x + 10 + Math.floor(this.ctx.measureText(after.length < before.length ? after : before).width);
    const text = this.textTop(w) + row * style.line;
    this.mark({ x: left - 2, y: text, width: 26, height: style.line });
    return true;
  }

  /** Enter: a new line in the editor; in the terminal, a command's output and a new prompt. */
  enter(outputLines = 0): void {
    const w = this.windows.at(-1);
    if (!w) return;
    if (w.kind === 'terminal') {
      for (let i = 0; i < outputLines; i++) w.lines.push(this.outputLine());
      w.lines.push(PROMPT);
    } else {
      w.lines.push('');
    }
    this.afterNewLines(w);
  }

  /** A command to type at the terminal's prompt. */
  command(): string {
    return COMMANDS[intBelow(this.random, COMMANDS.length)]!;
  }

  /** Scrolls the focused window by `lines` (negative: up); false when it cannot scroll. */
  scroll(lines: number): boolean {
    const w = this.windows.at(-1);
    if (!w) return false;
    const visible = this.visibleLines(w);
    while (w.lines.length < w.top + lines + visible) w.lines.push(...this.moreLines(w.kind));
    const top = Math.max(0, w.top + lines);
    if (top === w.top) return false;
    w.top = top;
    this.mark(contentOf(w));
    return true;
  }

  blinkCaret(): void {
    const w = this.windows.at(-1);
    if (w?.kind !== 'editor') return;
    this.caretOn = !this.caretOn;
    const style = STYLE.editor;
    this.ctx.font = style.font;
    const last = w.lines.length - 1;
    const x = w.x + 10 + Math.floor(this.ctx.measureText(w.lines[last]!).width);
    this.mark({ x, y: this.textTop(w) + (last - w.top) * style.line, width: 2, height: style.line });
  }

  tickClock(): void {
    this.clock++;
    this.mark({ x: this.width - 70, y: this.height - TASKBAR, width: 70, height: TASKBAR });
  }

  /** Draws what changed and returns the areas (merged where they overlap), clipped to the screen. */
  takeDirty(): Area[] {
    const areas = mergeAreas(
      this.dirty.map((a) => clip(a, this.width, this.height)).filter((a) => a !== null),
    );
    this.dirty = [];
    for (const area of areas) this.paint(area);
    return areas;
  }

  /** RGBA of an area as drawn. */
  rgba(area: Area): Uint8ClampedArray {
    return this.ctx.getImageData(area.x, area.y, area.width, area.height).data;
  }

  private mark(area: Area): void {
    this.dirty.push(area);
  }

  private markTaskbar(): void {
    this.mark({ x: 0, y: this.height - TASKBAR, width: this.width, height: TASKBAR });
  }

  private place(w: AppWindow): void {
    w.width = Math.min(w.width, this.width - 20);
    w.height = Math.min(w.height, this.height - TASKBAR - 20);
    w.x = Math.max(0, Math.min(w.x, this.width - w.width - 4));
    w.y = Math.max(0, Math.min(w.y, this.height - TASKBAR - w.height - 4));
  }

  private textTop(w: AppWindow): number {
    return w.y + TITLE_BAR + STYLE[w.kind].toolbar + 6;
  }

  private visibleLines(w: AppWindow): number {
    return Math.max(1, Math.floor((w.y + w.height - this.textTop(w) - 4) / STYLE[w.kind].line));
  }

  private afterNewLines(w: AppWindow): void {
    const before = w.top;
    this.scrollToEnd(w);
    if (w.top !== before) this.mark(contentOf(w));
    else {
      const style = STYLE[w.kind];
      const firstNew = Math.max(0, w.lines.length - 2 - w.top);
      const y = this.textTop(w) + firstNew * style.line;
      this.mark({ x: w.x, y, width: w.width, height: Math.min(w.y + w.height - y, 2 * style.line + 40) });
    }
  }

  private scrollToEnd(w: AppWindow): void {
    w.top = Math.max(0, w.lines.length - this.visibleLines(w));
  }

  private sentence(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(WORDS[intBelow(this.random, WORDS.length)]!);
    const text = out.join(' ');
    return text[0]!.toUpperCase() + text.slice(1) + '.';
  }

  private outputLine(): string {
    const r = intBelow(this.random, 4);
    if (r === 0)
      return `-rw-r--r-- 1 root adm ${10_000 + intBelow(this.random, 900_000)} Mar 12 10:${10 + intBelow(this.random, 50)} ${WORDS[intBelow(this.random, WORDS.length)]}.log`;
    if (r === 1)
      return `${(this.random() * 100).toFixed(1)}%  ${intBelow(this.random, 65_000)} ${this.sentence(4)}`;
    return `Mar 12 10:${10 + intBelow(this.random, 50)}:${10 + intBelow(this.random, 50)} web01 ${this.sentence(5 + intBelow(this.random, 6))}`;
  }

  private initialLines(kind: WindowKind): string[] {
    if (kind === 'terminal') return [...Array.from({ length: 12 }, () => this.outputLine()), PROMPT];
    return this.moreLines(kind);
  }

  private moreLines(kind: WindowKind): string[] {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      if (kind === 'browser' && i % 14 === 0) lines.push(`# ${this.sentence(3)}`);
      else if (kind === 'browser' && i % 14 === 5) lines.push('[photo]', '', '', '', '', '', '', '', '');
      else if (kind === 'files') lines.push(`${WORDS[intBelow(this.random, WORDS.length)]}_${i}.docx`);
      else if (kind === 'terminal') lines.push(this.outputLine());
      else lines.push(i % 7 === 6 ? '' : this.sentence(9 + intBelow(this.random, 4)));
    }
    return lines;
  }

  /** fillText with the context's font and colour, aliased (each pixel ink or not) unless smoothText. */
  private fillText(text: string, x: number, y: number): void {
    const { ctx } = this;
    if (this.smoothText) {
      ctx.fillText(text, x, y);
      return;
    }
    const key = `${ctx.font}|${String(ctx.fillStyle)}|${text}`;
    let image = this.textImages.get(key);
    if (!image) {
      if (this.textImages.size > 4000) this.textImages.clear();
      const size = Number(/(\d+)px/.exec(ctx.font)?.[1] ?? 14);
      image = createCanvas(Math.ceil(ctx.measureText(text).width) + 2, Math.ceil(size * 1.6));
      const g = image.getContext('2d');
      g.font = ctx.font;
      g.fillStyle = ctx.fillStyle;
      g.fillText(text, 1, Math.round(size * 1.2));
      const pixels = g.getImageData(0, 0, image.width, image.height);
      for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = pixels.data[i]! >= 110 ? 255 : 0;
      g.putImageData(pixels, 0, 0);
      this.textImages.set(key, image);
    }
    ctx.drawImage(image, x - 1, y - Math.round(Number(/(\d+)px/.exec(ctx.font)?.[1] ?? 14) * 1.2));
  }

  private paint(area: Area): void {
    const { ctx } = this;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.x, area.y, area.width, area.height);
    ctx.clip();
    ctx.drawImage(this.wallpaper, 0, 0);
    const top = this.windows.length - 1;
    this.windows.forEach((w, i) => {
      if (overlaps(frameOf(w), area)) this.paintWindow(w, i === top, area);
    });
    this.paintTaskbar();
    ctx.restore();
  }

  private paintWindow(w: AppWindow, focused: boolean, area: Area): void {
    const { ctx } = this;
    const style = STYLE[w.kind];
    ctx.fillStyle = '#8a8a8a';
    ctx.fillRect(w.x - 1, w.y - 1, w.width + 2, w.height + 2);
    ctx.fillStyle = focused ? '#2b579a' : '#7a8797';
    ctx.fillRect(w.x, w.y, w.width, TITLE_BAR);
    ctx.fillStyle = '#ffffff';
    ctx.font = `13px ${SANS}`;
    this.fillText(w.title, w.x + 10, w.y + 19);
    for (let b = 0; b < 3; b++) ctx.fillRect(w.x + w.width - 26 - b * 26, w.y + 9, 12, 10);
    const content = contentOf(w);
    ctx.fillStyle = style.paper;
    ctx.fillRect(content.x, content.y, content.width, content.height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(content.x, content.y, content.width, content.height);
    ctx.clip();
    if (style.toolbar > 0) this.paintToolbar(w, content);
    const first = this.textTop(w);
    const rows = this.visibleLines(w);
    for (let row = 0; row < rows; row++) {
      const line = w.lines[w.top + row];
      const y = first + row * style.line;
      if (line === undefined || y > area.y + area.height || y + style.line < area.y) continue;
      this.paintLine(w, line, y, style);
    }
    if (focused && w.kind === 'editor' && this.caretOn) {
      const last = w.lines.length - 1;
      ctx.font = style.font;
      ctx.fillStyle = '#000000';
      const x = w.x + 10 + Math.floor(ctx.measureText(w.lines[last]!).width);
      ctx.fillRect(x, first + (last - w.top) * style.line + 2, 1, style.line - 4);
    }
    ctx.restore();
  }

  private paintToolbar(w: AppWindow, content: Area): void {
    const { ctx } = this;
    const style = STYLE[w.kind];
    ctx.fillStyle = '#ececec';
    ctx.fillRect(content.x, content.y, content.width, style.toolbar);
    ctx.font = `12px ${SANS}`;
    if (w.kind === 'browser') {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(content.x + 70, content.y + 7, content.width - 90, 24);
      ctx.fillStyle = '#444444';
      this.fillText('https://intranet.example.com/reports/quarterly', content.x + 80, content.y + 24);
    } else {
      ctx.fillStyle = '#333333';
      this.fillText('File   Edit   View   Insert   Format   Tools   Help', content.x + 10, content.y + 17);
    }
  }

  private paintLine(w: AppWindow, line: string, y: number, style: (typeof STYLE)[WindowKind]): void {
    const { ctx } = this;
    const x = w.x + 10;
    if (line === '[photo]') {
      ctx.drawImage(this.photo, x + 20, y);
      return;
    }
    if (w.kind === 'files') {
      ctx.fillStyle = y % 44 < 22 ? '#f5f7fa' : '#ffffff';
      ctx.fillRect(w.x, y - 2, w.width, style.line);
      ctx.fillStyle = ['#e8b339', '#3b7dd8', '#43a047'][line.length % 3]!;
      ctx.fillRect(x, y + 1, 16, 16);
      ctx.fillStyle = style.ink;
      ctx.font = style.font;
      this.fillText(line, x + 24, y + 14);
      this.fillText(`${(line.length * 37) % 900} KB`, x + 300, y + 14);
      return;
    }
    if (line.startsWith('# ')) {
      ctx.fillStyle = '#1a4d8f';
      ctx.font = `bold 19px ${SANS}`;
      this.fillText(line.slice(2), x, y + 16);
      return;
    }
    ctx.font = style.font;
    if (w.kind === 'terminal' && line.startsWith(PROMPT)) {
      ctx.fillStyle = '#6ccb5f';
      this.fillText(PROMPT, x, y + 13);
      ctx.fillStyle = style.ink;
      this.fillText(line.slice(PROMPT.length), x + ctx.measureText(PROMPT).width, y + 13);
      return;
    }
    ctx.fillStyle = style.ink;
    this.fillText(line, x, y + (w.kind === 'terminal' ? 13 : 15));
  }

  private paintTaskbar(): void {
    const { ctx } = this;
    const y = this.height - TASKBAR;
    ctx.fillStyle = '#1f1f23';
    ctx.fillRect(0, y, this.width, TASKBAR);
    ctx.fillStyle = '#3d7bd9';
    ctx.fillRect(8, y + 6, 40, 20);
    ctx.font = `12px ${SANS}`;
    this.windows.forEach((w, i) => {
      ctx.fillStyle = i === this.windows.length - 1 ? '#4a4a52' : '#2e2e34';
      ctx.fillRect(60 + i * 150, y + 3, 140, TASKBAR - 6);
      ctx.fillStyle = '#e6e6e6';
      this.fillText(w.title, 70 + i * 150, y + 21);
    });
    ctx.fillStyle = '#e6e6e6';
    const hh = String(Math.floor(this.clock / 60) % 24).padStart(2, '0');
    this.fillText(`${hh}:${String(this.clock % 60).padStart(2, '0')}`, this.width - 52, y + 21);
  }
}

const PROMPT = 'admin@web01:~$ ';

function frameOf(w: AppWindow): Area {
  return { x: w.x - 1, y: w.y - 1, width: w.width + 2, height: w.height + 2 };
}

function contentOf(w: AppWindow): Area {
  return { x: w.x, y: w.y + TITLE_BAR, width: w.width, height: w.height - TITLE_BAR };
}

function overlaps(a: Area, b: Area): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function clip(a: Area, width: number, height: number): Area | null {
  const x = Math.max(0, a.x);
  const y = Math.max(0, a.y);
  const right = Math.min(width, a.x + a.width);
  const bottom = Math.min(height, a.y + a.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

/** Overlapping areas become their bounding box, as a server's damage region does. */
function mergeAreas(areas: Area[]): Area[] {
  const out: Area[] = [];
  for (let area of areas) {
    for (let i = 0; i < out.length;) {
      if (overlaps(out[i]!, area)) {
        const o = out.splice(i, 1)[0]!;
        const x = Math.min(o.x, area.x);
        const y = Math.min(o.y, area.y);
        area = {
          x,
          y,
          width: Math.max(o.x + o.width, area.x + area.width) - x,
          height: Math.max(o.y + o.height, area.y + area.height) - y,
        };
        i = 0;
      } else i++;
    }
    out.push(area);
  }
  return out;
}

function paintWallpaper(width: number, height: number): Canvas {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const sky = ctx.createLinearGradient(0, 0, width, height);
  sky.addColorStop(0, '#0f3057');
  sky.addColorStop(0.6, '#00587a');
  sky.addColorStop(1, '#008891');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, width, height);
  for (const [cx, cy, r] of [
    [0.2, 0.3, 0.35],
    [0.75, 0.6, 0.4],
    [0.5, 0.9, 0.3],
  ] as const) {
    const glow = ctx.createRadialGradient(cx * width, cy * height, 0, cx * width, cy * height, r * width);
    glow.addColorStop(0, 'rgba(255,255,255,0.18)');
    glow.addColorStop(1, 'rgba(255,255,255,0)');
    ctx.fillStyle = glow;
    ctx.fillRect(0, 0, width, height);
  }
  return canvas;
}

/** A photo-like picture: smooth shapes under grain (what a page's picture costs). */
function paintPhoto(width: number, height: number, random: () => number): Canvas {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      const grain = intBelow(random, 16) - 8;
      const hill = y > height * 0.55 + Math.sin(x / 23) * 18 ? 1 : 0;
      image.data[at] = 90 + hill * 10 + ((x * 60) / width + grain);
      image.data[at + 1] = 140 + hill * 40 - (y * 50) / height + grain;
      image.data[at + 2] = 200 - hill * 120 + grain;
      image.data[at + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}
