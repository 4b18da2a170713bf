/**
 * The `Range` request header of RFC 9110 (section 14), for one file of a known size. Only a single
 * byte range is served as a 206; anything else the RFC lets a server ignore (other units, several
 * ranges, a malformed header) gets the whole file.
 */
export type RangeAnswer =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: RangeAnswer = { kind: 'full' };
const RANGE_SPEC = /^(\d*)-(\d*)$/;

export function answerRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return FULL;
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return FULL;
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length !== 1) return FULL;
  const match = RANGE_SPEC.exec(specs[0]!);
  if (match === null) return FULL;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    // A suffix range: the last N bytes.
    if (last === '') return FULL;
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return FULL;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/**
 * `If-Range`: the range applies only while the file is the one the client started with. Our
 * validator is a strong entity tag; a weak tag or a date never matches, so the client gets the
 * whole file (RFC 9110 section 13.1.5).
 */
export function ifRangeHolds(header: string | undefined, etag: string): boolean {
  return header === undefined || header.trim() === etag;
}
