import type { ExportFormat } from '../../../shared/ipc';

/**
 * What a recording holds, which decides how it can be exported: a terminal stream (SSH) or a
 * graphical one (RDP). The library item's protocol comes from the signed manifest.
 */
export type RecordingKind = 'terminal' | 'graphical';

const KIND_OF_PROTOCOL: Readonly<Record<string, RecordingKind>> = { ssh: 'terminal', rdp: 'graphical' };

/** Formats each kind can be exported to: a desktop has no text stream for asciicast. */
export const FORMATS_OF_KIND: Readonly<Record<RecordingKind, readonly ExportFormat[]>> = {
  terminal: ['asciicast', 'mp4'],
  graphical: ['mp4'],
};

export function recordingKind(protocol: string | undefined): RecordingKind | null {
  return (typeof protocol === 'string' && KIND_OF_PROTOCOL[protocol.toLowerCase()]) || null;
}

export function canExport(protocol: string | undefined, format: ExportFormat): boolean {
  const kind = recordingKind(protocol);
  return kind !== null && FORMATS_OF_KIND[kind].includes(format);
}
