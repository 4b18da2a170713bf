import { Type, type Static } from 'typebox';
import { IsoDateTime, PAGE_SIZE_MAX, ProtocolSchema } from './api';

/**
 * Search across sessions: every whitespace-separated word of `q` must appear, as a whole word
 * (case and accents folded), in one typed command or one line of terminal text of a session the
 * caller may see. Filters are those of the session list.
 */
export const SearchQuerySchema = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 256 }),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    credential: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    protocol: Type.Optional(ProtocolSchema),
    from: Type.Optional(IsoDateTime),
    to: Type.Optional(IsoDateTime),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuerySchema>;

/** A part of the snippet that matched, in UTF-16 code units of `snippet`. */
export const SearchHighlightSchema = Type.Object({ start: Type.Integer(), length: Type.Integer() });
export type SearchHighlight = Static<typeof SearchHighlightSchema>;

export const SearchHitSchema = Type.Object({
  sessionId: Type.Integer(),
  /** Milliseconds from the session's start: where the player opens. */
  atMs: Type.Integer(),
  kind: Type.Union([Type.Literal('command'), Type.Literal('text')]),
  /** The command, or the terminal line (cut around the match when long). */
  snippet: Type.String(),
  highlights: Type.Array(SearchHighlightSchema),
  /** For `text`: the line's number in the session text (the logs open there); null for commands. */
  line: Type.Union([Type.Integer(), Type.Null()]),
  /** Enough of the session to show the hit without another request. */
  session: Type.Object({
    login: Type.String(),
    name: Type.String(),
    device: Type.String(),
    credential: Type.String(),
    protocol: ProtocolSchema,
    startedAt: IsoDateTime,
    status: Type.Union([Type.Literal('live'), Type.Literal('finished')]),
  }),
});
export type SearchHit = Static<typeof SearchHitSchema>;

/** Newest sessions first; within a session, in time order. */
export const SearchResultSchema = Type.Object({
  items: Type.Array(SearchHitSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export type SearchResult = Static<typeof SearchResultSchema>;
