import { h } from 'vue';
import type { DataTableColumns } from 'naive-ui';
import type { AuditEvent } from '@shared/api';
import { formatDateTime, type Translate } from '../../lib/format';

/** The trail's columns: id, time, event, actor, session, origin and the event's details. */
export function auditTrailColumns(t: Translate, locale: string): DataTableColumns<AuditEvent> {
  return [
    { key: 'id', title: t('auditTrail.columns.id'), width: 80 },
    { key: 'at', title: t('auditTrail.columns.at'), width: 170, render: (e) => formatDateTime(e.at, locale) },
    { key: 'type', title: t('auditTrail.columns.type'), width: 200 },
    {
      key: 'actor',
      title: t('auditTrail.columns.actor'),
      width: 160,
      render: (e) =>
        e.actor === null
          ? h('span', { class: 'audit-trail__system' }, t('auditTrail.system'))
          : h('span', { title: e.actor.name }, e.actor.login),
    },
    {
      key: 'sessionId',
      title: t('auditTrail.columns.session'),
      width: 100,
      render: (e) => (e.sessionId === null ? '—' : `#${e.sessionId}`),
    },
    {
      key: 'originIp',
      title: t('auditTrail.columns.originIp'),
      width: 140,
      render: (e) => e.originIp ?? '—',
    },
    { key: 'note', title: t('auditTrail.columns.note'), ellipsis: { tooltip: true } },
  ];
}

export const AUDIT_TRAIL_TABLE_WIDTH = 1100;
