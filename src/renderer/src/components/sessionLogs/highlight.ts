/** A piece of a line: plain text, or a match of the searched words. */
export interface Segment {
  text: string;
  hit: boolean;
}

/**
 * Splits `text` around every case-insensitive occurrence of `q`, as the gateway's search matches.
 * Lower-casing is done per character so offsets stay those of the original text.
 */
export function splitHits(text: string, q: string): Segment[] {
  if (q === '') return [{ text, hit: false }];
  const haystack = [...text].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('');
  const needle = [...q].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('');
  const segments: Segment[] = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    if (at > from) segments.push({ text: text.slice(from, at), hit: false });
    segments.push({ text: text.slice(at, at + needle.length), hit: true });
    from = at + needle.length;
  }
  if (from < text.length || segments.length === 0) segments.push({ text: text.slice(from), hit: false });
  return segments;
}

/** Session time as h:mm:ss (or mm:ss under an hour), from milliseconds since the start. */
export function sessionClock(offsetMs: number): string {
  const total = Math.floor(offsetMs / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}
