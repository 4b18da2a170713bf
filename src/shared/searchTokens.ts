/**
 * The words of search across sessions. One tokenizer for indexing, querying and highlighting, on
 * every database engine, so that all of them agree on what a word is.
 *
 * A word is a run of Unicode letters and digits (with the combining marks that belong to them),
 * lower-cased, with its diacritics removed: "Ação" and "ACAO" are the same word. Everything else
 * separates words, `_` included: `max_connections` holds `max` and `connections`, as the words a
 * person would look for (searching `max_connections` still finds it, both words on one line).
 */

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MARKS = /\p{M}/gu;
const ASCII = /^[^\u0080-\uffff]*$/;
const ASCII_WORD = /[a-z0-9]+/g;

/** A word's searchable form: lower-cased first (some capitals lower to a letter and a mark), then unaccented. */
export function foldWord(word: string): string {
  // Most terminal words are ASCII: nothing to decompose.
  if (ASCII.test(word)) return word.toLowerCase();
  return word.toLowerCase().normalize('NFD').replace(MARKS, '');
}

/** A word of a text with where it stands (UTF-16 code units). */
export interface WordAt {
  word: string;
  start: number;
  length: number;
}

/** Every word of `text` in order, folded, with its place in `text`. */
export function wordsAt(text: string): WordAt[] {
  const words: WordAt[] = [];
  for (const match of text.matchAll(WORD)) {
    const word = foldWord(match[0]);
    if (word !== '') words.push({ word, start: match.index, length: match[0].length });
  }
  return words;
}

/** The distinct words of `text`, folded, in order of first appearance. */
export function searchWords(text: string): string[] {
  // ASCII text (most terminal text) has ASCII letters and digits for words: the same words, found faster.
  if (ASCII.test(text)) return [...new Set(text.toLowerCase().match(ASCII_WORD))];
  return [...new Set(wordsAt(text).map((w) => w.word))];
}

/** Whether every word of `query` (already folded) is among the words of `text`. */
export function holdsAll(text: string, query: readonly string[]): boolean {
  const words = new Set(searchWords(text));
  return query.every((w) => words.has(w));
}

/** Longest snippet returned before a long command or line is cut around its first match. */
export const SNIPPET_MAX = 240;
/** Characters kept before the first match when a snippet is cut. */
const SNIPPET_LEAD = 60;
const ELLIPSIS = '…';

export interface Snippet {
  snippet: string;
  highlights: { start: number; length: number }[];
}

/**
 * The snippet of a matching command or line: the whole text, or when long a window around its
 * first match (marked with "…" where cut), with the ranges of every occurrence of the query's
 * words inside it.
 */
export function snippetOf(text: string, query: readonly string[]): Snippet {
  const wanted = new Set(query);
  const matches = wordsAt(text).filter((w) => wanted.has(w.word));
  if (text.length <= SNIPPET_MAX) {
    return { snippet: text, highlights: matches.map(({ start, length }) => ({ start, length })) };
  }
  const first = matches[0]?.start ?? 0;
  let from = clampToCodePoint(text, Math.max(0, Math.min(first - SNIPPET_LEAD, text.length - SNIPPET_MAX)));
  const to = clampToCodePoint(text, Math.min(text.length, from + SNIPPET_MAX));
  if (from >= to) from = 0;
  const lead = from > 0 ? ELLIPSIS : '';
  const tail = to < text.length ? ELLIPSIS : '';
  const highlights = matches
    .filter((m) => m.start >= from && m.start + m.length <= to)
    .map((m) => ({ start: m.start - from + lead.length, length: m.length }));
  return { snippet: `${lead}${text.slice(from, to)}${tail}`, highlights };
}

/** Moves a cut off the second half of a surrogate pair. */
function clampToCodePoint(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return at > 0 && at < text.length && code >= 0xdc00 && code <= 0xdfff ? at - 1 : at;
}
