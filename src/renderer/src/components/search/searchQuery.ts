import type { SearchHighlight, SearchQuery } from '@shared/search';
import { emptyFilters, toSessionQuery, type SessionFilters } from '../../lib/sessionFilters';

/** The session list's filters that Search also takes, as the form edits them. */
export type SearchFilters = Pick<SessionFilters, 'user' | 'device' | 'credential' | 'protocol' | 'period'>;

export function emptySearchFilters(): SearchFilters {
  const { user, device, credential, protocol, period } = emptyFilters();
  return { user, device, credential, protocol, period };
}

/**
 * The gateway's query for words and filters, with the list's own mapping (blanks left out, the
 * period's last day counted whole); null when there are no words to look for.
 */
export function toSearchQuery(
  q: string,
  filters: SearchFilters,
  page: number,
  pageSize: number,
): SearchQuery | null {
  const words = q.trim();
  if (words === '') return null;
  const { user, device, credential, protocol, from, to } = toSessionQuery({ ...emptyFilters(), ...filters });
  const query: SearchQuery = { q: words, page, pageSize };
  if (user !== undefined) query.user = user;
  if (device !== undefined) query.device = device;
  if (credential !== undefined) query.credential = credential;
  if (protocol !== undefined) query.protocol = protocol;
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  return query;
}

/** A piece of a snippet: plain text, or a part the gateway marked as matching. */
export interface SnippetPart {
  text: string;
  hit: boolean;
}

/**
 * Cuts a snippet at the gateway's highlight ranges. Ranges out of bounds are clipped and
 * overlapping ones merged, so any answer still yields the snippet's exact text, in order.
 */
export function snippetParts(snippet: string, highlights: readonly SearchHighlight[]): SnippetPart[] {
  const ranges = highlights
    .map((h) => ({ start: Math.max(0, h.start), end: Math.min(snippet.length, h.start + h.length) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const parts: SnippetPart[] = [];
  let from = 0;
  for (const range of ranges) {
    const start = Math.max(range.start, from);
    if (range.end <= start) continue;
    if (start > from) parts.push({ text: snippet.slice(from, start), hit: false });
    parts.push({ text: snippet.slice(start, range.end), hit: true });
    from = range.end;
  }
  if (from < snippet.length || parts.length === 0) parts.push({ text: snippet.slice(from), hit: false });
  return parts;
}
