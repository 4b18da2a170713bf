import { h } from 'vue';
import { NTag, NTooltip, type DataTableColumns } from 'naive-ui';
import type { Composer } from 'vue-i18n';
import type { Session } from '@shared/api';
import { formatDateAndTime, formatDateTime, formatDuration, shortHash } from '../../lib/format';
import { AppIcon } from '../common/icons';
import ActionCell from './ActionCell.vue';
import type { ColumnAction } from './columnActions';
import RunningDuration from './RunningDuration.vue';

interface ColumnContext {
  t: Composer['t'];
  locale: string;
  onAction: (action: ColumnAction, session: Session) => void;
}

const muted = (text: string) => h('span', { class: 'cell-muted' }, text);

/** What the columns need together: below this width the table scrolls (with a visible bar). */
export const SESSION_TABLE_WIDTH = 1384;

function hashCell(session: Session) {
  return h(
    NTooltip,
    { placement: 'top-start' },
    {
      trigger: () =>
        h('code', { class: 'cell-hash', 'data-full-hash': session.hash }, shortHash(session.hash, 8)),
      default: () => h('span', { class: 'cell-hash-full' }, session.hash),
    },
  );
}

/** Cut with an ellipsis, the whole text on hover; the header keeps its full, wrapping title. */
const clipped = (text: string, className = 'cell-clip') => h('span', { class: className, title: text }, text);

function userCell(session: Session) {
  const name = session.user.name || session.user.login;
  return h('div', { class: 'cell-user' }, [
    clipped(name, 'cell-clip cell-user__name'),
    clipped(session.user.login, 'cell-clip cell-user__login'),
  ]);
}

/** Who audits the session, by name; the logins on hover. */
function auditorsCell(session: Session, ctx: ColumnContext) {
  const auditors = session.auditors ?? [];
  if (auditors.length === 0) return muted(ctx.t('common.none'));
  const names = auditors.map((u) => u.name || u.login).join(', ');
  return h(
    'span',
    {
      class: 'cell-clip',
      title: auditors.map((u) => `${u.name || u.login} (${u.login})`).join('\n'),
      'data-testid': `auditors-${session.id}`,
    },
    names,
  );
}

function durationCell(session: Session, ctx: ColumnContext) {
  if (session.durationMs !== null) return formatDuration(session.durationMs, ctx.t);
  // A live session has no duration yet; how long it has been running is what an auditor asks.
  return h(RunningDuration, { startedAt: session.startedAt });
}

function statusTag(session: Session, ctx: ColumnContext) {
  const live = session.status === 'live';
  const kind = session.endReason?.kind ?? 'finished';
  return h(
    NTag,
    {
      size: 'small',
      round: true,
      bordered: false,
      type: live ? 'success' : kind === 'dropped' ? 'warning' : kind === 'error' ? 'error' : 'default',
      'data-status': session.status,
      'data-end-reason': live ? undefined : kind,
    },
    {
      icon: live ? () => h('span', { class: 'live-dot' }) : undefined,
      default: () => (live ? ctx.t('sessions.status.live') : ctx.t(`sessions.endReason.${kind}`)),
    },
  );
}

/** Live, or how the session ended: who dropped it, or the error it ended on. */
function statusCell(session: Session, ctx: ColumnContext) {
  const reason = session.endReason;
  const detail =
    reason?.kind === 'dropped' && reason.by
      ? ctx.t('sessions.endReason.droppedBy', { by: reason.by.name || reason.by.login })
      : reason?.kind === 'error'
        ? reason.message
        : null;
  if (detail === null) return statusTag(session, ctx);
  return h('div', { class: 'cell-status', 'data-testid': `end-reason-${session.id}` }, [
    statusTag(session, ctx),
    clipped(detail, 'cell-clip cell-status__detail'),
  ]);
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

/**
 * The list's columns, in the product's order. Rebuilt when the language changes so headers follow
 * it. Widths are compact so that every column fits a 1440 px window without scrolling.
 */
export function sessionColumns(ctx: ColumnContext): DataTableColumns<Session> {
  const { t } = ctx;
  // Date over time, to the minute; the seconds on hover (and in the CSV).
  const when = (iso: string) => {
    const { date, time } = formatDateAndTime(iso, ctx.locale);
    return h('span', { class: 'cell-when', title: formatDateTime(iso, ctx.locale) }, [
      h('span', date),
      h('span', { class: 'cell-muted' }, time),
    ]);
  };
  return [
    { key: 'id', title: t('sessions.columns.id'), width: 56, className: 'cell-num' },
    { key: 'hash', title: t('sessions.columns.hash'), width: 80, render: hashCell },
    { key: 'user', title: t('sessions.columns.user'), width: 96, render: userCell },
    {
      key: 'originIp',
      title: t('sessions.columns.originIp'),
      width: 112,
      render: (s) => clipped(s.originIp, 'cell-clip cell-mono'),
    },
    {
      key: 'credential',
      title: t('sessions.columns.credential'),
      width: 92,
      render: (s) => clipped(s.credential),
    },
    { key: 'device', title: t('sessions.columns.device'), width: 96, render: (s) => clipped(s.device) },
    {
      key: 'protocol',
      title: t('sessions.columns.protocol'),
      width: 76,
      render: (s) =>
        h(NTag, { size: 'small', bordered: true, type: s.protocol === 'ssh' ? 'info' : 'primary' }, () =>
          s.protocol.toUpperCase(),
        ),
    },
    { key: 'proxy', title: t('sessions.columns.proxy'), width: 80, render: (s) => clipped(s.proxy) },
    {
      key: 'auditors',
      title: t('sessionsForAudit.columns.auditors'),
      width: 88,
      render: (s) => auditorsCell(s, ctx),
    },
    { key: 'startedAt', title: t('sessions.columns.start'), width: 100, render: (s) => when(s.startedAt) },
    {
      key: 'endedAt',
      title: t('sessions.columns.end'),
      width: 100,
      render: (s) => (s.endedAt ? when(s.endedAt) : muted(t('common.none'))),
    },
    {
      key: 'durationMs',
      title: t('sessions.columns.duration'),
      width: 96,
      render: (s) => durationCell(s, ctx),
    },
    // Status, the prevent-purge flag and the actions stay pinned: they are what an auditor acts on.
    {
      key: 'status',
      title: t('sessions.columns.status'),
      width: 92,
      fixed: 'right',
      render: (s) => statusCell(s, ctx),
    },
    {
      key: 'preventPurge',
      title: t('sessions.columns.preventPurge'),
      width: 84,
      fixed: 'right',
      render: (s) => preventPurgeCell(s, ctx),
    },
    {
      key: 'actions',
      title: t('sessions.columns.actions'),
      width: 136,
      fixed: 'right',
      className: 'col-actions',
      render: (s) => h(ActionCell, { session: s, onAction: ctx.onAction }),
    },
  ];
}
