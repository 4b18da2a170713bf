/**
 * The player's clock, apart from Vue and IPC so it can be reasoned about and tested alone: how far
 * the recording moves for a stretch of wall-clock time at a speed, which events fall due, where
 * "skip idle" lands, and the marker to go to next.
 */

export const SPEEDS = [0.5, 1, 2, 4, 8] as const;
export type Speed = (typeof SPEEDS)[number];

/** Seconds kept before the end of an idle gap when skipping it, so what follows is not a surprise. */
export const IDLE_LEAD_MS = 1000;

/** Markers closer than this behind the current time count as "here": previous goes one further back. */
export const MARKER_SLACK_MS = 1000;

export interface Gap {
  fromMs: number;
  toMs: number;
}

export interface TimedEvent {
  atMs: number;
}

export const clampTime = (ms: number, durationMs: number): number => Math.min(Math.max(0, ms), durationMs);

/**
 * Where skipping idle time lands from `atMs`: inside a gap (before its lead) it jumps to just before
 * the gap's end; anywhere else it stays. It never moves backwards nor past the gap's end.
 */
export function skipIdleTarget(atMs: number, gaps: readonly Gap[]): number {
  for (const gap of gaps) {
    const landing = gap.toMs - IDLE_LEAD_MS;
    if (atMs >= gap.fromMs && atMs < landing) return landing;
  }
  return atMs;
}

/** The recording time after `wallMs` of real time at `speed`, skipping idle gaps when asked. */
export function advance(
  atMs: number,
  wallMs: number,
  options: { speed: number; durationMs: number; skipIdle: boolean; gaps: readonly Gap[] },
): number {
  const moved = clampTime(atMs + Math.max(0, wallMs) * options.speed, options.durationMs);
  return options.skipIdle ? clampTime(skipIdleTarget(moved, options.gaps), options.durationMs) : moved;
}

/** Events with `fromMs < atMs ≤ toMs` (the screen at `fromMs` already holds those at `fromMs`). */
export function dueEvents<T extends TimedEvent>(events: readonly T[], fromMs: number, toMs: number): T[] {
  return events.filter((event) => event.atMs > fromMs && event.atMs <= toMs);
}

export function fasterSpeed(speed: number): Speed {
  return SPEEDS.find((s) => s > speed) ?? SPEEDS[SPEEDS.length - 1]!;
}

export function slowerSpeed(speed: number): Speed {
  return [...SPEEDS].reverse().find((s) => s < speed) ?? SPEEDS[0];
}

/** The first marker after `atMs`, or null past the last one. */
export function nextMarker<T extends TimedEvent>(markers: readonly T[], atMs: number): T | null {
  return [...markers].sort((a, b) => a.atMs - b.atMs).find((m) => m.atMs > atMs) ?? null;
}

/** The last marker clearly before `atMs`: pressing it again right after a jump goes one further. */
export function previousMarker<T extends TimedEvent>(markers: readonly T[], atMs: number): T | null {
  const before = [...markers].sort((a, b) => a.atMs - b.atMs).filter((m) => m.atMs < atMs - MARKER_SLACK_MS);
  return before[before.length - 1] ?? null;
}

/** m:ss, or h:mm:ss from an hour on. */
export function formatClock(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
