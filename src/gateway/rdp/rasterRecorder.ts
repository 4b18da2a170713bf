import { RasterRecordingWriter } from '../../recording/raster/writer';
import type { RasterInput } from '../../recording/raster/rasterFormat';
import type { OperatorInput, RasterRecorder } from './rdpLiveSession';
import type { RecorderFacts } from './rdpProxy';

/** An RDP session's recording file: what the target showed, what the operator did, who and where. */
export function openRasterRecorder(
  path: string,
  facts: RecorderFacts,
  onError: (err: Error) => void,
): RasterRecorder {
  const writer = new RasterRecordingWriter({
    path,
    sessionId: String(facts.sessionId),
    width: facts.width,
    height: facts.height,
    startedAt: facts.startedAt,
    meta: {
      hash: facts.hash,
      user: facts.user,
      account: facts.account,
      target: facts.target,
      originIp: facts.originIp,
    },
    onError,
  });
  return {
    rect: (rect) => void writer.rect(rect),
    input: (input) => writer.input(rasterInput(input)),
    marker: (kind, note) => writer.marker(kind, note),
    close: () => writer.close(),
  };
}

function rasterInput(input: OperatorInput): RasterInput {
  const { type, ...rest } = input;
  return { kind: type, ...rest } as RasterInput;
}
