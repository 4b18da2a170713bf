import { h } from 'vue';
import { NTag, type DataTableColumns } from 'naive-ui';
import type { Composer } from 'vue-i18n';
import type { RiskyCommand, SessionEvent } from '@shared/api';
import { criticalityRank, type Criticality, type RuleAction } from '@shared/rules';
import { formatDateTime } from '../../lib/format';
import { sessionClock } from './highlight';

interface ColumnContext {
  t: Composer['t'];
  locale: string;
}

type TagType = 'default' | 'info' | 'warning' | 'error' | 'success';

const CRITICALITY_TAGS: Record<Criticality, TagType> = {
  low: 'default',
  medium: 'info',
  high: 'warning',
  critical: 'error',
};

/** Allowed commands ran; blocked ones did not; an interrupt also ended the session. */
const ACTION_TAGS: Record<RuleAction, TagType> = {
  allow: 'success',
  block: 'warning',
  interrupt: 'error',
};

/** Keyed by its value: a tag re-used for another value after sorting kept its old colour. */
const tag = (type: TagType, text: string, attrs: Record<string, string>) =>
  h(NTag, { key: `${type}:${text}`, size: 'small', bordered: false, type, ...attrs }, () => text);

const minuteCell = (minute: number, offsetMs: number, ctx: ColumnContext) =>
  h(
    'span',
    { class: 'logs-minute', title: sessionClock(offsetMs) },
    ctx.t('sessionLogs.log.minute', { minute }),
  );

/** Sortable by score and by criticality (by rank, not by name); otherwise in the order typed. */
export function riskyColumns(ctx: ColumnContext): DataTableColumns<RiskyCommand> {
  return [
    {
      key: 'minute',
      title: ctx.t('sessionLogs.risky.minute'),
      width: 90,
      render: (row) => minuteCell(row.minute, row.offsetMs, ctx),
    },
    {
      key: 'command',
      title: ctx.t('sessionLogs.risky.command'),
      render: (row) => h('code', { class: 'logs-command' }, row.command),
    },
    { key: 'rule', title: ctx.t('sessionLogs.risky.rule'), width: 200 },
    {
      key: 'score',
      title: ctx.t('sessionLogs.risky.score'),
      width: 110,
      sorter: (a, b) => a.score - b.score,
      render: (row) => h('span', { class: 'logs-score' }, String(row.score)),
    },
    {
      key: 'criticality',
      title: ctx.t('sessionLogs.risky.criticality'),
      width: 140,
      sorter: (a, b) => criticalityRank(a.criticality) - criticalityRank(b.criticality),
      render: (row) =>
        tag(CRITICALITY_TAGS[row.criticality], ctx.t(`sessionLogs.risky.criticalities.${row.criticality}`), {
          'data-criticality': row.criticality,
        }),
    },
    {
      key: 'action',
      title: ctx.t('sessionLogs.risky.action'),
      width: 130,
      render: (row) =>
        tag(ACTION_TAGS[row.action], ctx.t(`sessionLogs.risky.actions.${row.action}`), {
          'data-action': row.action,
        }),
    },
  ];
}

export function eventColumns(ctx: ColumnContext): DataTableColumns<SessionEvent> {
  return [
    {
      key: 'actor',
      title: ctx.t('sessionLogs.events.user'),
      width: 200,
      render: (row) =>
        row.actor
          ? row.actor.name || row.actor.login
          : h('span', { class: 'cell-muted' }, ctx.t('sessionLogs.events.system')),
    },
    {
      key: 'at',
      title: ctx.t('sessionLogs.events.at'),
      width: 190,
      render: (row) => formatDateTime(row.at, ctx.locale),
    },
    { key: 'type', title: ctx.t('sessionLogs.events.event'), width: 240 },
    { key: 'note', title: ctx.t('sessionLogs.events.note') },
  ];
}
