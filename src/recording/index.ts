export { RecordingWriter, type FinishedRecording, type RecordingWriterOptions } from './writer';
export { RecordingReader, type ScreenState } from './reader';
export {
  RecordingPlayer,
  PlayerCursorError,
  type PlayerEvent,
  type PlayerEventsPage,
  type PlayerScreen,
  type PlayerSearchResult,
} from './player';
export type { IdleGap, RecordingOverview } from './overview';
export { TerminalEmulationError } from './headlessScreen';
export { TerminalMirror, type MirrorSnapshot, type TerminalMirrorOptions } from './terminalMirror';
export { asciicastLines, toAsciicast } from './asciicast';
export { sha256File } from './sha256';
export { ParseBudget, processParseBudget } from './parseBudget';
export {
  FormatError,
  type CheckpointRef,
  type MarkerKind,
  type RecordEvent,
  type RecordingHeader,
} from './format';
export { RasterRecordingWriter, type RasterRecordingWriterOptions } from './raster/writer';
export {
  RasterRecordingReader,
  type RasterFrame,
  type RasterScreen,
  type RasterState,
} from './raster/reader';
export { openRecording, readRecordingHeader } from './raster/openRecording';
export { DEFAULT_KEYFRAME_POLICY, type KeyframePolicyOptions } from './raster/keyframePolicy';
export {
  isRasterHeader,
  type AnyRecordingHeader,
  type KeyframeRef,
  type RasterEvent,
  type RasterInput,
  type RasterRecordingHeader,
} from './raster/rasterFormat';
