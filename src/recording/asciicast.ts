import type { RecordingReader } from './reader';

/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/) lines: a header object, then
 * [seconds, code, data] events: "o" output, "i" input, "r" resize ("COLSxROWS"), "m" marker.
 * Bytes are decoded as UTF-8 across event boundaries, so split characters stay whole.
 */
export async function* asciicastLines(reader: RecordingReader): AsyncGenerator<string> {
  const { header } = reader;
  yield JSON.stringify({
    version: 2,
    width: header.cols,
    height: header.rows,
    timestamp: Math.floor(Date.parse(header.startedAt) / 1000),
    duration: reader.durationMs / 1000,
    title: `Vigil session ${header.sessionId}`,
    env: { TERM: header.term },
  });
  const decoders = { o: new TextDecoder('utf-8'), i: new TextDecoder('utf-8') };
  for await (const e of reader.records()) {
    const time = e.t / 1000;
    switch (e.type) {
      case 'o':
      case 'i': {
        const text = decoders[e.type].decode(e.data, { stream: true });
        if (text) yield JSON.stringify([time, e.type, text]);
        break;
      }
      case 'r':
        yield JSON.stringify([time, 'r', `${e.cols}x${e.rows}`]);
        break;
      case 'm':
        yield JSON.stringify([time, 'm', e.note ? `${e.kind}: ${e.note}` : e.kind]);
    }
  }
}

export async function toAsciicast(reader: RecordingReader): Promise<string> {
  const lines: string[] = [];
  for await (const line of asciicastLines(reader)) lines.push(line);
  return lines.join('\n') + '\n';
}
