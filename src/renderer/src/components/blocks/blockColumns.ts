import { h } from 'vue';
import { NButton, NTag, type DataTableColumns } from 'naive-ui';
import type { Composer } from 'vue-i18n';
import type { Block, UserRef } from '@shared/api';
import { formatDateTime } from '../../lib/format';

interface BlockColumnOptions {
  t: Composer['t'];
  locale: string;
  canRelease: boolean;
  releasing: number | null;
  onRelease: (block: Block) => void;
}

const person = (user: UserRef | null) =>
  user === null
    ? '—'
    : h('span', { class: 'block-user' }, [
        h('span', { class: 'block-user__name' }, user.name || user.login),
        h('span', { class: 'block-user__login' }, user.login),
      ]);

/** The report's columns: session, blocked user, author, blocked at, released at, releaser. */
export function blockColumns(options: BlockColumnOptions): DataTableColumns<Block> {
  const { t, locale } = options;
  return [
    {
      key: 'sessionId',
      title: t('blocks.columns.session'),
      width: 100,
      render: (b) => h('span', { class: 'block-session' }, `#${b.sessionId}`),
    },
    { key: 'blockedUser', title: t('blocks.columns.blockedUser'), render: (b) => person(b.blockedUser) },
    { key: 'author', title: t('blocks.columns.author'), render: (b) => person(b.author) },
    {
      key: 'blockedAt',
      title: t('blocks.columns.blockedAt'),
      render: (b) => formatDateTime(b.blockedAt, locale),
    },
    {
      key: 'releasedAt',
      title: t('blocks.columns.releasedAt'),
      render: (b) =>
        b.releasedAt === null
          ? h(NTag, { size: 'small', type: 'error', bordered: false }, () => t('blocks.active'))
          : formatDateTime(b.releasedAt, locale),
    },
    { key: 'releaser', title: t('blocks.columns.releaser'), render: (b) => person(b.releaser) },
    {
      key: 'actions',
      title: t('blocks.columns.actions'),
      width: 120,
      render: (b) =>
        b.releasedAt === null && options.canRelease
          ? h(
              NButton,
              {
                size: 'small',
                type: 'primary',
                secondary: true,
                loading: options.releasing === b.id,
                disabled: options.releasing !== null && options.releasing !== b.id,
                'data-testid': `block-release-${b.id}`,
                onClick: () => options.onRelease(b),
              },
              () => t('blocks.release'),
            )
          : null,
    },
  ];
}
