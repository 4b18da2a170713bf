import type { Protocol, Visibility } from '../sessionTypes';

/**
 * Each indexed command or line has one integer key, the same on both engines: the session's id
 * times 2^24, plus the line's number, or 2^23 plus the command's place among the session's
 * commands. Keys of one session are one range, so a session's entries are found, counted and
 * removed by range, and the session of a hit is its key shifted right by 24 bits.
 */
export const KEY_SHIFT = 24;
const SESSION_SPAN = 2 ** KEY_SHIFT;
const COMMAND_BASE = 2 ** (KEY_SHIFT - 1);
/** Lines and commands beyond these in one session are not indexed (a limit in docs/search.md). */
export const MAX_INDEXED_LINES = COMMAND_BASE;
export const MAX_INDEXED_COMMANDS = COMMAND_BASE;

export type EntryRef =
  { sessionId: number; kind: 'command'; ordinal: number } | { sessionId: number; kind: 'text'; n: number };

export const lineKey = (sessionId: number, n: number): number => sessionId * SESSION_SPAN + n;
export const commandKey = (sessionId: number, ordinal: number): number =>
  sessionId * SESSION_SPAN + COMMAND_BASE + ordinal;
/** The first and last key of a session's entries; `kind` narrows to its lines or its commands. */
export function sessionKeys(sessionId: number, kind?: 'command' | 'text'): [number, number] {
  const first = sessionId * SESSION_SPAN + (kind === 'command' ? COMMAND_BASE : 0);
  const last = sessionId * SESSION_SPAN + (kind === 'text' ? COMMAND_BASE : SESSION_SPAN) - 1;
  return [first, last];
}

export function entryOf(key: number): EntryRef {
  const sessionId = Math.floor(key / SESSION_SPAN);
  const rest = key - sessionId * SESSION_SPAN;
  return rest >= COMMAND_BASE
    ? { sessionId, kind: 'command', ordinal: rest - COMMAND_BASE }
    : { sessionId, kind: 'text', n: rest };
}

/** The session-list filters search takes, in storage terms (times in ms, inclusive). */
export interface SearchFilter {
  user?: string;
  device?: string;
  credential?: string;
  protocol?: Protocol;
  from?: number;
  to?: number;
}

/** A session holding hits, with how many: the sessions come newest first. */
export interface SessionHits {
  sessionId: number;
  hits: number;
}

/** A typed command waiting to be indexed. */
export interface CommandToIndex {
  id: number;
  sessionId: number;
  command: string;
}

/** A session whose indexed text differs from its built text: `version` null when it has none now. */
export interface TextToSync {
  sessionId: number;
  version: number | null;
  lines: number;
}

/** What the index holds of a session's text. */
export interface TextMark {
  version: number | null;
  lines: number;
}

export interface SearchArgs {
  words: readonly string[];
  filter: SearchFilter;
  visibility: Visibility;
}

/** The meta key of the highest command id indexed. */
export const COMMAND_MARK_KEY = 'search_commands_indexed';
