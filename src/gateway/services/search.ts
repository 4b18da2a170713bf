import type { SearchHit, SearchQuery, SearchResult } from '../../shared/search';
import { searchWords, snippetOf } from '../../shared/searchTokens';
import type { AsyncStore } from '../db/asyncStore';
import { entryOf, type SearchFilter } from '../db/rows/searchIndex';
import type { SessionRecord, Visibility } from '../db/sessionTypes';
import { badRequest } from '../errors';
import { iso } from '../time';
import type { Caller } from './caller';
import { paging, parseInstant } from './queries';

/** One hit before its text is read: where it is in its session. */
interface Located {
  kind: 'command' | 'text';
  /** The line's number, or the command's place among the session's commands. */
  n: number;
  atMs: number;
  command?: string;
}

/**
 * Search across sessions: the commands and text lines holding every word of a query, in the
 * sessions the caller may see, newest sessions first and in time order within a session. The
 * index (SearchIndexer) finds the sessions and their hit counts; only the sessions of the page
 * asked for are read further.
 */
export class SearchService {
  constructor(private readonly store: AsyncStore) {}

  async search(caller: Caller, visibility: Visibility, query: SearchQuery): Promise<SearchResult> {
    const words = searchWords(query.q);
    if (words.length === 0)
      throw badRequest('q holds no words: search for letters or digits', 'NO_SEARCH_WORDS');
    const filter = toSearchFilter(query);
    const { page, pageSize, offset } = paging(query);
    const sessions = await this.store.searchIndex.sessionsWithHits({ words, filter, visibility });
    const total = sessions.reduce((sum, s) => sum + s.hits, 0);
    const items: SearchHit[] = [];
    let before = 0;
    for (const { sessionId, hits } of sessions) {
      if (items.length >= pageSize) break;
      if (before + hits <= offset) {
        before += hits;
        continue;
      }
      const skip = Math.max(0, offset - before);
      before += hits;
      const record = await this.store.sessions.get(sessionId, caller.userId);
      if (record === null) continue;
      items.push(...(await this.hitsOf(record, words, skip, pageSize - items.length)));
    }
    return { items, total, page, pageSize };
  }

  /** The session's hits `skip`…`skip + limit`, in time order, with their snippets. */
  private async hitsOf(
    session: SessionRecord,
    words: readonly string[],
    skip: number,
    limit: number,
  ): Promise<SearchHit[]> {
    const { searchIndex, sessionCommands } = this.store;
    const keys = (await searchIndex.hitsIn(session.id, words)).map(entryOf);
    const lineNumbers = keys.flatMap((k) => (k.kind === 'text' ? [k.n] : []));
    const located: Located[] = (await searchIndex.lines(session.id, lineNumbers, false)).map((l) => ({
      kind: 'text',
      n: l.n,
      atMs: l.offsetMs,
    }));
    if (keys.some((k) => k.kind === 'command')) {
      const commands = await sessionCommands.list(session.id);
      for (const k of keys) {
        const c = k.kind === 'command' ? commands[k.ordinal] : undefined;
        if (k.kind === 'command' && c !== undefined)
          located.push({ kind: 'command', n: k.ordinal, atMs: c.offsetMs, command: c.command });
      }
    }
    const chosen = located.sort(inSessionOrder).slice(skip, skip + limit);
    const texts = new Map(
      (
        await searchIndex.lines(
          session.id,
          chosen.filter((h) => h.kind === 'text').map((h) => h.n),
          true,
        )
      ).map((l) => [l.n, l.text]),
    );
    const about = aboutSession(session);
    return chosen.flatMap((h): SearchHit[] => {
      const text = h.kind === 'command' ? h.command : texts.get(h.n);
      if (text === undefined) return [];
      return [
        {
          sessionId: session.id,
          atMs: h.atMs,
          kind: h.kind,
          ...snippetOf(text, words),
          line: h.kind === 'text' ? h.n : null,
          session: about,
        },
      ];
    });
  }
}

/** Time order; at the same moment a command before lines, then by place. */
export function inSessionOrder(
  a: { atMs: number; kind: 'command' | 'text'; n: number },
  b: { atMs: number; kind: 'command' | 'text'; n: number },
): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (a.kind !== b.kind) return a.kind === 'command' ? -1 : 1;
  return a.n - b.n;
}

function aboutSession(s: SessionRecord): SearchHit['session'] {
  return {
    login: s.user.login,
    name: s.user.name,
    device: s.device,
    credential: s.credential,
    protocol: s.protocol,
    startedAt: iso(s.startedAt),
    status: s.status,
  };
}

/** The session-list filters of a search in storage terms; blank text filters are ignored. */
export function toSearchFilter(query: SearchQuery): SearchFilter {
  const filter: SearchFilter = {};
  for (const key of ['user', 'device', 'credential'] as const) {
    const value = query[key]?.trim();
    if (value !== undefined && value !== '') filter[key] = value;
  }
  if (query.protocol !== undefined) filter.protocol = query.protocol;
  const from = parseInstant(query.from, 'from');
  const to = parseInstant(query.to, 'to');
  if (from !== undefined && to !== undefined && from > to) throw badRequest('from must not be after to');
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  return filter;
}
