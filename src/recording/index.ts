export { RecordingWriter, type FinishedRecording, type RecordingWriterOptions } from './writer';
export { RecordingReader, type ScreenState } from './reader';
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
