import type { PlayerDesktopFrame, PlayerDesktopScreen } from '@shared/ipc';
import { ok } from '@shared/result';
import { api } from '../api';
import type { FeedCalls } from '../lib/playbackFeed';

/**
 * What the desktop view draws, as wire frames (src/shared/rdpWire.ts) for its RemoteScreen: a
 * `screen` starts over from the whole screen at a time (a seek), an `update` plays on from there.
 */
export type DesktopFrame = { kind: 'screen'; bytes: Uint8Array } | { kind: 'update'; bytes: Uint8Array };

/** Bytes main sent as base64 (the same over Electron IPC and the browser bridge). */
export function base64Bytes(data: string): Uint8Array {
  const raw = atob(data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** A desktop recording's screens and frames, in the shape the playback feed pages through. */
export const desktopCalls: FeedCalls<PlayerDesktopScreen, PlayerDesktopFrame> = {
  screenAt: (playerId, atMs) => api.desktopAt(playerId, atMs),
  events: async (input) => {
    const page = await api.desktopFrames(input);
    return page.ok ? ok({ events: page.value.frames, next: page.value.next }) : page;
  },
};

/**
 * Hands frames to the desktop view; the ones drawn before it mounted wait, from the last whole
 * screen on (what came before it is hidden by it anyway).
 */
export function useDesktopSink() {
  let sink: ((frame: DesktopFrame) => void) | null = null;
  let waiting: DesktopFrame[] = [];

  function emit(frame: DesktopFrame): void {
    if (frame.kind === 'screen') waiting = [];
    if (sink) sink(frame);
    else waiting.push(frame);
  }

  /** The view registers here; returns how to unregister it. */
  function attach(next: (frame: DesktopFrame) => void): () => void {
    sink = next;
    for (const frame of waiting) next(frame);
    waiting = [];
    return () => {
      if (sink === next) sink = null;
    };
  }

  function reset(): void {
    waiting = [];
  }

  return { emit, attach, reset };
}
