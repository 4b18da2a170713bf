import { HeadlessScreen } from '../headlessScreen';
import { RecordingReader } from '../reader';
import { frameStartAt } from './frameSchedule';
import { TerminalRasterizer, type FrameSize } from './rasterizer';
import { readScreenGrid } from './screenGrid';

/**
 * The picture an exported video shows at `atMs`, as RGBA pixels (width x height x 4), rebuilt
 * from the recording's own screen at that time rather than by the exporter's replay: a check on
 * both.
 */
export async function renderFrameAt(recordingPath: string, atMs: number, size: FrameSize): Promise<Buffer> {
  const reader = await RecordingReader.open(recordingPath);
  try {
    const state = await reader.stateAt(frameStartAt(Math.max(0, atMs)));
    const screen = new HeadlessScreen(state.cols, state.rows);
    try {
      screen.parse(state.screen);
      const rasterizer = new TerminalRasterizer(size);
      rasterizer.draw(readScreenGrid(screen));
      return rasterizer.rgba();
    } finally {
      screen.dispose();
    }
  } finally {
    await reader.close();
  }
}
