import type { SessionAction } from '@shared/policy';
import type { IconName } from '../common/icons';

/**
 * The buttons of the action column, in the product's order. 'interactivity' (block/release) is not a
 * column button: it lives inside the Live Stream viewer.
 */
export type ColumnAction = Exclude<SessionAction, 'interactivity'>;

interface ColumnActionSpec {
  name: ColumnAction;
  icon: IconName;
  danger?: boolean;
}

const COLUMN_ACTIONS: readonly ColumnActionSpec[] = [
  { name: 'liveStream', icon: 'eye' },
  { name: 'drop', icon: 'drop', danger: true },
  { name: 'logs', icon: 'logs' },
  { name: 'video', icon: 'video' },
  { name: 'preventPurge', icon: 'shield' },
  { name: 'configureAuditors', icon: 'users' },
];

/** Exactly what the gateway says this caller may do with the row now, nothing the UI guesses. */
export function columnActionsFor(allowed: readonly SessionAction[]): ColumnActionSpec[] {
  return COLUMN_ACTIONS.filter((action) => allowed.includes(action.name));
}
