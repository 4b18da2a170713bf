import type { SearchHit } from '@shared/search';

/** The hits of one session on the page, in the order the gateway gave them (time order). */
export interface SessionGroup {
  sessionId: number;
  session: SearchHit['session'];
  hits: SearchHit[];
}

/** Groups a page of hits by session, keeping the gateway's order of sessions (newest first). */
export function groupBySession(hits: readonly SearchHit[]): SessionGroup[] {
  const groups = new Map<number, SessionGroup>();
  for (const hit of hits) {
    const group = groups.get(hit.sessionId);
    if (group) group.hits.push(hit);
    else groups.set(hit.sessionId, { sessionId: hit.sessionId, session: hit.session, hits: [hit] });
  }
  return [...groups.values()];
}
