import type { DownloadStatus } from '@shared/ipc';
import { formatBytes, formatDuration, type Translate } from './format';

/** How far a download is, as a bar and a line of text: bytes, rate and time left when known. */
export function downloadProgress(
  status: DownloadStatus | null,
  t: Translate,
  locale: string,
): { percent: number; text: string } {
  if (!status || status.state === 'queued') return { percent: 0, text: t('player.download.queued') };
  const bytes = (n: number) => formatBytes(n, locale);
  const percent = status.total ? Math.min(100, Math.floor((status.bytes / status.total) * 100)) : 0;
  const parts = [
    status.total === null
      ? t('player.download.progressUnknown', { done: bytes(status.bytes) })
      : t('player.download.progress', { done: bytes(status.bytes), total: bytes(status.total) }),
  ];
  if (status.rate > 0) parts.push(t('player.download.rate', { rate: bytes(status.rate) }));
  if (status.etaSeconds !== null)
    parts.push(t('player.download.eta', { eta: formatDuration(status.etaSeconds * 1000, t) }));
  return { percent, text: parts.join(' · ') };
}
