import type { ExportInput, ExportJob, FfmpegStatus } from '../../../shared/ipc';

/** Exports library recordings to asciicast and MP4. */
export interface ExportService {
  start(input: ExportInput): Promise<ExportJob>;
  cancel(exportId: string): void;
  ffmpeg(): Promise<FfmpegStatus>;
  setFfmpegPath(path: string | null): Promise<FfmpegStatus>;
}
