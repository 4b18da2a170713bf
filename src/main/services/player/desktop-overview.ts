import type { RasterRecordingReader } from '../../../recording';
import type { MarkerRef } from '../../../recording/format';
import {
  DEFAULT_ACTIVITY_BUCKETS,
  DEFAULT_IDLE_MS,
  overviewFromIndex,
  type IdleGap,
  type RecordingOverview,
} from '../../../recording/overview';

/**
 * The timeline of a desktop recording, as a terminal one has it: bitmap bytes per slice of the
 * duration, the silences of the screen (no bitmap, no size change) over 5 s, and the markers. A
 * finished recording carries them in its index; one without it (cut short, or too short for the
 * index's one-second resolution) is scanned once.
 */
export async function desktopOverview(reader: RasterRecordingReader): Promise<RecordingOverview> {
  const durationMs = reader.durationMs;
  const timeline = reader.timeline;
  const indexed = timeline && overviewFromIndex(timeline, await reader.markers(), { durationMs });
  if (indexed) return indexed;

  const activity = new Array<number>(DEFAULT_ACTIVITY_BUCKETS).fill(0);
  const bucketMs = durationMs / DEFAULT_ACTIVITY_BUCKETS;
  const idleGaps: IdleGap[] = [];
  const markers: MarkerRef[] = [];
  let outputBytes = 0;
  let lastVisibleMs = 0;
  const visible = (t: number) => {
    if (t - lastVisibleMs > DEFAULT_IDLE_MS) idleGaps.push({ fromMs: lastVisibleMs, toMs: t });
    lastVisibleMs = Math.max(lastVisibleMs, t);
  };
  for await (const e of reader.events()) {
    if (e.type === 'marker') markers.push({ tMs: e.t, kind: e.kind, note: e.note });
    if (e.type === 'resize') visible(e.t);
    if (e.type !== 'bitmap' || e.rect.data.length === 0) continue;
    const bucket = bucketMs > 0 ? Math.floor(e.t / bucketMs) : 0;
    activity[Math.min(activity.length - 1, bucket)]! += e.rect.data.length;
    outputBytes += e.rect.data.length;
    visible(e.t);
  }
  if (durationMs - lastVisibleMs > DEFAULT_IDLE_MS)
    idleGaps.push({ fromMs: lastVisibleMs, toMs: durationMs });
  return { activity, outputBytes, idleGaps, markers };
}
