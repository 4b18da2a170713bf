import { h } from 'vue';
import { NTag, type DataTableColumns } from 'naive-ui';
import type { Composer } from 'vue-i18n';
import type { LibraryItem } from '@shared/ipc';
import { formatBytes, formatDateTime, formatDuration } from '../../lib/format';
import IconButton from '../common/IconButton.vue';
import type { IconName } from '../common/icons';
import VerificationTag from './VerificationTag.vue';

export type LibraryAction = 'play' | 'info' | 'recheck' | 'reveal' | 'delete';

interface ColumnContext {
  t: Composer['t'];
  locale: string;
  /** Items with a check, delete or reveal under way: their buttons wait. */
  busy: ReadonlySet<string>;
  onAction: (action: LibraryAction, item: LibraryItem) => void;
}

const ACTIONS: { action: LibraryAction; icon: IconName }[] = [
  { action: 'play', icon: 'video' },
  { action: 'info', icon: 'eye' },
  { action: 'recheck', icon: 'refresh' },
  { action: 'reveal', icon: 'folder' },
  { action: 'delete', icon: 'trash' },
];

/** The gateway's host, or "Imported" for a recording someone sent. */
function sourceCell(item: LibraryItem, ctx: ColumnContext) {
  if (item.gatewayUrl === null)
    return h(NTag, { size: 'small', bordered: false }, () => ctx.t('library.imported'));
  let host = item.gatewayUrl;
  try {
    host = new URL(item.gatewayUrl).host;
  } catch {
    // Shown as saved.
  }
  return h('span', { title: item.gatewayUrl, class: 'library-source' }, host);
}

export function libraryColumns(ctx: ColumnContext): DataTableColumns<LibraryItem> {
  return [
    {
      key: 'verification',
      title: ctx.t('library.columns.verification'),
      width: 150,
      render: (item) => h(VerificationTag, { verification: item.verification }),
    },
    {
      key: 'operator',
      title: ctx.t('library.columns.operator'),
      sorter: (a, b) => a.operator.localeCompare(b.operator),
      render: (item) => h('span', { 'data-testid': 'library-operator' }, item.operator),
    },
    {
      key: 'target',
      title: ctx.t('library.columns.target'),
      render: (item) =>
        h('span', null, [item.target, h('span', { class: 'cell-muted' }, ` (${item.account})`)]),
    },
    {
      key: 'start',
      title: ctx.t('library.columns.start'),
      width: 180,
      sorter: (a, b) => a.startedAt.localeCompare(b.startedAt),
      render: (item) => formatDateTime(item.startedAt, ctx.locale),
    },
    {
      key: 'duration',
      title: ctx.t('library.columns.duration'),
      width: 120,
      sorter: (a, b) => a.durationMs - b.durationMs,
      render: (item) => formatDuration(item.durationMs, ctx.t),
    },
    {
      key: 'size',
      title: ctx.t('library.columns.size'),
      width: 100,
      sorter: (a, b) => a.size - b.size,
      render: (item) => formatBytes(item.size, ctx.locale),
    },
    {
      key: 'source',
      title: ctx.t('library.columns.source'),
      width: 180,
      render: (item) => sourceCell(item, ctx),
    },
    {
      key: 'actions',
      title: ctx.t('library.columns.actions'),
      width: 230,
      render: (item) =>
        h(
          'div',
          { class: 'library-actions' },
          ACTIONS.map(({ action, icon }) =>
            h(IconButton, {
              key: action,
              icon,
              label: ctx.t(`library.actions.${action}`),
              size: 'small',
              quaternary: true,
              disabled: ctx.busy.has(item.itemId),
              'data-testid': `library-${action}`,
              onClick: () => ctx.onAction(action, item),
            }),
          ),
        ),
    },
  ];
}
