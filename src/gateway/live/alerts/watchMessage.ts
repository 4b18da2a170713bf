import type { AlertClientMessage } from '../../../shared/alerts';

/** A target name as the session list shows it; an app watches a bounded number of them. */
export const MAX_WATCHED_TARGETS = 100;
export const MAX_TARGET_NAME = 200;

/** Checks target names sent by an app (the `watch` message or the socket's `watch` query). */
export function checkTargets(targets: unknown): string[] | string {
  if (!Array.isArray(targets)) return '`targets` must be an array of target names';
  if (targets.length > MAX_WATCHED_TARGETS) return `At most ${MAX_WATCHED_TARGETS} targets may be watched`;
  for (const t of targets) {
    if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TARGET_NAME)
      return `Each target must be a name of 1 to ${MAX_TARGET_NAME} characters`;
  }
  return targets as string[];
}

/** The `watch` message an app sent, or why it was refused. */
export function parseWatch(text: string): AlertClientMessage | string {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return 'Messages must be JSON';
  }
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'watch')
    return 'Unknown message: send {"type":"watch","targets":[…]}';
  const targets = checkTargets((message as { targets?: unknown }).targets);
  return typeof targets === 'string' ? targets : { type: 'watch', targets };
}
