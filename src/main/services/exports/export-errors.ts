import { FormatError, TerminalEmulationError } from '../../../recording';
import { IPC_ERROR, type FfmpegStatus } from '../../../shared/ipc';
import { AppFailure, describe } from '../errors';
import { RecordingUnreadableError } from '../player-service';

export class ExportNotFoundError extends AppFailure {
  constructor(exportId: string) {
    super(IPC_ERROR.exportNotFound, `No export ${exportId} (it may belong to an earlier run of the app)`);
  }
}

export class ExportNotSupportedError extends AppFailure {
  constructor(protocol: string | undefined, format: string) {
    const kind = protocol ? `${protocol.toUpperCase()} recording` : 'recording of an unknown kind';
    super(
      IPC_ERROR.exportNotSupported,
      `A ${kind} cannot be exported as ${format === 'mp4' ? 'MP4' : format}`,
    );
  }
}

/** Names every place looked at, so the user knows what to install or where to point the setting. */
export class FfmpegNotFoundError extends AppFailure {
  constructor(status: FfmpegStatus) {
    const places = status.tried.map(
      (t) => `${t.source}${t.path ? ` ${t.path}` : ''}: ${t.problem ?? 'unusable'}`,
    );
    super(
      IPC_ERROR.ffmpegNotFound,
      `No working ffmpeg was found, so MP4 cannot be made. Looked at: ${places.join('; ') || 'nothing'}. ` +
        'Install ffmpeg, or give the path of an ffmpeg program in the export settings.',
    );
  }
}

/** A library recording that cannot be opened, said in the user's terms. */
export function unreadableRecording(error: unknown): RecordingUnreadableError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return new RecordingUnreadableError(
    code === 'ENOENT' ? 'the file is missing from the library' : describe(error),
  );
}

/** Why an export failed, told as what the user can do about it: a bad recording, or the disk. */
export function exportFailure(error: unknown, path: string): unknown {
  if (error instanceof FormatError || error instanceof TerminalEmulationError)
    return new RecordingUnreadableError(error.message);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new AppFailure(
      IPC_ERROR.diskFull,
      `The disk is full: cannot write ${path}. Free some space and export again.`,
    );
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT' || code === 'ENOTDIR')
    return new AppFailure(
      IPC_ERROR.folderNotWritable,
      `Cannot write ${path} (${code}): choose another folder. (${describe(error)})`,
    );
  return error;
}
