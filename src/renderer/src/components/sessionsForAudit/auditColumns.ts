import { h } from 'vue';
import { NButton, NSwitch, NTag, NTooltip, type DataTableColumns } from 'naive-ui';
import type { Composer } from 'vue-i18n';
import type { AssignedAudit, Session } from '@shared/api';
import { formatDateAndTime, formatDateTime, formatDuration } from '../../lib/format';
import { AppIcon } from '../common/icons';

/** What a row of Sessions for audit can lead to: the session's logs and video, as in the main list. */
export type AuditRowAction = 'logs' | 'video';

interface AuditColumnContext {
  t: Composer['t'];
  locale: string;
  saving: ReadonlySet<number>;
  onToggle: (row: AssignedAudit, audited: boolean) => void;
  onEditComment: (row: AssignedAudit) => void;
  onAction: (action: AuditRowAction, session: Session) => void;
}

/** What the columns need together: below this width the table scrolls. */
export const AUDIT_TABLE_WIDTH = 1240;

const muted = (text: string) => h('span', { class: 'cell-muted' }, text);
const clipped = (text: string) => h('span', { class: 'cell-clip', title: text }, text);

function when(iso: string, locale: string) {
  const { date, time } = formatDateAndTime(iso, locale);
  return h('span', { class: 'cell-when', title: formatDateTime(iso, locale) }, [
    h('span', date),
    h('span', { class: 'cell-muted' }, time),
  ]);
}

function statusCell(session: Session, ctx: AuditColumnContext) {
  const live = session.status === 'live';
  const kind = session.endReason?.kind ?? 'finished';
  return h(NTag, { size: 'small', round: true, bordered: false, type: live ? 'success' : 'default' }, () =>
    live ? ctx.t('sessions.status.live') : ctx.t(`sessions.endReason.${kind}`),
  );
}

function auditedCell(row: AssignedAudit, ctx: AuditColumnContext) {
  return h(NSwitch, {
    value: row.audited,
    loading: ctx.saving.has(row.session.id),
    disabled: ctx.saving.has(row.session.id),
    'aria-label': ctx.t('sessionsForAudit.columns.audited'),
    'data-testid': `audit-toggle-${row.session.id}`,
    'data-audited': String(row.audited),
    'onUpdate:value': (value: boolean) => ctx.onToggle(row, value),
  });
}

function commentCell(row: AssignedAudit, ctx: AuditColumnContext) {
  const text = row.comment === '' ? muted(ctx.t('sessionsForAudit.noComment')) : clipped(row.comment);
  return h('div', { class: 'audit-comment', 'data-testid': `audit-comment-${row.session.id}` }, [
    h('span', { class: 'audit-comment__text', 'data-testid': `audit-comment-text-${row.session.id}` }, [
      text,
    ]),
    h(
      NButton,
      {
        size: 'small',
        quaternary: true,
        'aria-label': ctx.t('sessionsForAudit.editComment'),
        title: ctx.t('sessionsForAudit.editComment'),
        'data-testid': `audit-edit-${row.session.id}`,
        onClick: () => ctx.onEditComment(row),
      },
      { icon: () => h(AppIcon, { name: 'edit', size: 14 }) },
    ),
  ]);
}

/** Session Logs and Video of session, when the gateway allows them for this row. */
function actionsCell(session: Session, ctx: AuditColumnContext) {
  const actions = (['logs', 'video'] as const).filter(
    (a) => session.allowedActions.includes(a) && !(a === 'video' && session.recording?.purgedAt),
  );
  return h(
    'div',
    { class: 'audit-actions' },
    actions.map((action) =>
      h(
        NTooltip,
        { delay: 300 },
        {
          trigger: () =>
            h(
              NButton,
              {
                size: 'small',
                quaternary: true,
                'aria-label': ctx.t(`actions.${action}`),
                'data-testid': `audit-action-${action}-${session.id}`,
                onClick: () => ctx.onAction(action, session),
              },
              { icon: () => h(AppIcon, { name: action, size: 16 }) },
            ),
          default: () => ctx.t(`actions.${action}`),
        },
      ),
    ),
  );
}

/** The session's columns an auditor needs to pick it out, then the audit's own. */
export function auditColumns(ctx: AuditColumnContext): DataTableColumns<AssignedAudit> {
  const { t } = ctx;
  return [
    { key: 'id', title: t('sessions.columns.id'), width: 64, render: (r) => r.session.id },
    {
      key: 'user',
      title: t('sessions.columns.user'),
      width: 110,
      render: (r) => clipped(r.session.user.name || r.session.user.login),
    },
    {
      key: 'device',
      title: t('sessions.columns.device'),
      width: 110,
      render: (r) => clipped(r.session.device),
    },
    {
      key: 'credential',
      title: t('sessions.columns.credential'),
      width: 100,
      render: (r) => clipped(r.session.credential),
    },
    {
      key: 'protocol',
      title: t('sessions.columns.protocol'),
      width: 88,
      render: (r) => r.session.protocol.toUpperCase(),
    },
    {
      key: 'startedAt',
      title: t('sessions.columns.start'),
      width: 104,
      render: (r) => when(r.session.startedAt, ctx.locale),
    },
    {
      key: 'durationMs',
      title: t('sessions.columns.duration'),
      width: 104,
      render: (r) =>
        r.session.durationMs === null ? muted(t('common.none')) : formatDuration(r.session.durationMs, t),
    },
    {
      key: 'status',
      title: t('sessions.columns.status'),
      width: 100,
      render: (r) => statusCell(r.session, ctx),
    },
    {
      key: 'auditors',
      title: t('sessionsForAudit.columns.auditors'),
      width: 120,
      render: (r) => clipped((r.session.auditors ?? []).map((u) => u.name || u.login).join(', ')),
    },
    {
      key: 'audited',
      title: t('sessionsForAudit.columns.audited'),
      width: 90,
      render: (r) => auditedCell(r, ctx),
    },
    { key: 'comment', title: t('sessionsForAudit.columns.comment'), render: (r) => commentCell(r, ctx) },
    {
      key: 'actions',
      title: t('sessions.columns.actions'),
      width: 90,
      fixed: 'right',
      render: (r) => actionsCell(r.session, ctx),
    },
  ];
}
