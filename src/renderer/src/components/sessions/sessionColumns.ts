import { h } from 'vue';
import { NTag, NTooltip, type DataTableColumns } from 'naive-ui';
import type { Composer } from 'vue-i18n';
import type { Session } from '../../../../shared/api';
import { formatDateTime, formatDuration, shortHash } from '../../lib/format';
import { AppIcon } from '../common/icons';
import ActionCell from './ActionCell.vue';
import type { ColumnAction } from './columnActions';

export interface ColumnContext {
  t: Composer['t'];
  locale: string;
  onAction: (action: ColumnAction, session: Session) => void;
}

const muted = (text: string) => h('span', { class: 'cell-muted' }, text);

function hashCell(session: Session) {
  return h(
    NTooltip,
    { placement: 'top-start' },
    {
      trigger: () =>
        h('code', { class: 'cell-hash', 'data-full-hash': session.hash }, shortHash(session.hash)),
      default: () => h('span', { class: 'cell-hash-full' }, session.hash),
    },
  );
}

function userCell(session: Session) {
  return h('div', { class: 'cell-user' }, [
    h('span', { class: 'cell-user__name' }, session.user.name || session.user.login),
    h('span', { class: 'cell-user__login' }, session.user.login),
  ]);
}

function durationCell(session: Session, ctx: ColumnContext) {
  if (session.durationMs !== null) return formatDuration(session.durationMs, ctx.t);
  // A live session has no duration yet; how long it has been running is what an auditor asks.
  const elapsed = Date.now() - Date.parse(session.startedAt);
  return h('span', { class: 'cell-running' }, [
    formatDuration(elapsed, ctx.t),
    ' ',
    muted(ctx.t('sessions.running')),
  ]);
}

function statusCell(session: Session, ctx: ColumnContext) {
  const live = session.status === 'live';
  return h(
    NTag,
    {
      size: 'small',
      round: true,
      bordered: false,
      type: live ? 'success' : 'default',
      'data-status': session.status,
    },
    {
      icon: live ? () => h('span', { class: 'live-dot' }) : undefined,
      default: () => ctx.t(`sessions.status.${session.status}`),
    },
  );
}

function preventPurgeCell(session: Session, ctx: ColumnContext) {
  const flag = session.preventPurge;
  if (!flag) return muted(ctx.t('common.none'));
  return h(
    NTooltip,
    { style: { maxWidth: '360px' } },
    {
      trigger: () =>
        h(
          NTag,
          { size: 'small', type: 'warning', bordered: false, 'data-testid': `purge-flag-${session.id}` },
          {
            icon: () => h(AppIcon, { name: 'shield', size: 12 }),
            default: () => ctx.t('sessions.purgeProtected'),
          },
        ),
      default: () => [
        h('div', { class: 'tooltip-quote' }, `“${flag.justification}”`),
        h(
          'div',
          { class: 'tooltip-meta' },
          ctx.t('sessions.purgeBy', {
            by: flag.by.name || flag.by.login,
            at: formatDateTime(flag.at, ctx.locale),
          }),
        ),
      ],
    },
  );
}

/** Columns of SPEC §2, in its order. Rebuilt when the language changes so headers follow it. */
export function sessionColumns(ctx: ColumnContext): DataTableColumns<Session> {
  const { t } = ctx;
  const when = (iso: string) => h('span', { class: 'cell-nowrap' }, formatDateTime(iso, ctx.locale));
  return [
    { key: 'id', title: t('sessions.columns.id'), width: 64, className: 'cell-num' },
    { key: 'hash', title: t('sessions.columns.hash'), width: 132, render: hashCell },
    { key: 'user', title: t('sessions.columns.user'), minWidth: 140, render: userCell },
    {
      key: 'originIp',
      title: t('sessions.columns.originIp'),
      width: 122,
      render: (s) => h('span', { class: 'cell-mono' }, s.originIp),
    },
    { key: 'credential', title: t('sessions.columns.credential'), width: 120, ellipsis: { tooltip: true } },
    { key: 'device', title: t('sessions.columns.device'), width: 128, ellipsis: { tooltip: true } },
    {
      key: 'protocol',
      title: t('sessions.columns.protocol'),
      width: 88,
      render: (s) =>
        h(NTag, { size: 'small', bordered: true, type: s.protocol === 'ssh' ? 'info' : 'primary' }, () =>
          s.protocol.toUpperCase(),
        ),
    },
    { key: 'proxy', title: t('sessions.columns.proxy'), width: 104, ellipsis: { tooltip: true } },
    { key: 'startedAt', title: t('sessions.columns.start'), width: 164, render: (s) => when(s.startedAt) },
    {
      key: 'endedAt',
      title: t('sessions.columns.end'),
      width: 164,
      render: (s) => (s.endedAt ? when(s.endedAt) : muted(t('common.none'))),
    },
    {
      key: 'durationMs',
      title: t('sessions.columns.duration'),
      width: 118,
      render: (s) => durationCell(s, ctx),
    },
    // Status, the prevent-purge flag and the actions stay pinned: they are what an auditor acts on.
    {
      key: 'status',
      title: t('sessions.columns.status'),
      width: 108,
      fixed: 'right',
      render: (s) => statusCell(s, ctx),
    },
    {
      key: 'preventPurge',
      title: t('sessions.columns.preventPurge'),
      width: 124,
      fixed: 'right',
      render: (s) => preventPurgeCell(s, ctx),
    },
    {
      key: 'actions',
      title: t('sessions.columns.actions'),
      width: 164,
      fixed: 'right',
      className: 'col-actions',
      render: (s) => h(ActionCell, { session: s, onAction: ctx.onAction }),
    },
  ];
}
