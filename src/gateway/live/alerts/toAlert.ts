import type { Alert, AlertKind } from '../../../shared/alerts';
import type { AlertEventRecord } from '../../db/rows/alertEvents';
import { iso } from '../../time';

/** What the operator was told and where, in the note of a refusal because of a block. */
const BLOCKED_REFUSAL = /^(?:SSH|RDP) .*?(?: as (.+) on (.+))? refused \(blocked\): (.*)$/s;
/** The command a Prohibited or Observed event's note ends with (when its risky row is missing). */
const NOTE_COMMAND = /^Rule .* \([^)]*\): (.*)$/s;

const OUTCOME = { allow: 'allowed', block: 'blocked', interrupt: 'blocked, session dropped' } as const;

/** The kind of alert an event makes, or null when it makes none (a refusal for another reason). */
export function alertKindOf(record: AlertEventRecord): AlertKind | null {
  switch (record.type) {
    case 'Prohibited Event':
    case 'Observed Event':
      return record.session === null ? null : 'riskyCommand';
    case 'Interactivity blocked':
      return record.session === null ? null : 'sessionBlocked';
    case 'Drop session':
      return record.session === null ? null : 'sessionDropped';
    case 'Access refused':
      return BLOCKED_REFUSAL.test(record.note) ? 'operatorRefused' : null;
    case 'Started':
      return record.session === null ? null : 'watchedTarget';
  }
}

/** The alert an event makes (its kind from alertKindOf), as the app receives it. */
export function toAlert(record: AlertEventRecord, kind: AlertKind, late: boolean): Alert {
  const session = record.session;
  const refusal = kind === 'operatorRefused' ? BLOCKED_REFUSAL.exec(record.note) : null;
  const operator = session?.operatorLogin ?? (kind === 'operatorRefused' ? record.actorLogin : null);
  const target = session?.device ?? refusal?.[2] ?? null;
  const actor = kind === 'sessionBlocked' || kind === 'sessionDropped' ? record.actorLogin : null;
  const risky = record.risky;
  const command =
    kind !== 'riskyCommand' ? null : (risky?.command ?? NOTE_COMMAND.exec(record.note)?.[1] ?? null);
  const who = operator ?? 'someone';
  const where = target ?? 'a target';
  let text: string;
  switch (kind) {
    case 'riskyCommand':
      text =
        risky === null
          ? `${who} typed a risky command on ${where}: ${record.note}`
          : `${who} typed "${oneLine(risky.command)}" on ${where}: rule ${risky.rule} ` +
            `(${risky.criticality}, score ${risky.score}, ${OUTCOME[risky.action]})`;
      break;
    case 'sessionBlocked':
      text = `${actor ?? 'An auditor'} blocked the input of ${who} on ${where} (Hold on!)`;
      break;
    case 'sessionDropped':
      text = `${actor ?? 'An auditor'} dropped the session of ${who} on ${where}`;
      break;
    case 'operatorRefused':
      text = `${who} was refused on ${where} because of a block: ${refusal?.[3] ?? ''}`.trimEnd();
      break;
    case 'watchedTarget':
      text = `${who} started a session on ${where} as ${session?.credential ?? '?'}`;
      break;
  }
  return {
    id: record.id,
    kind,
    at: iso(record.at),
    sessionId: session?.id ?? null,
    live: session?.live ?? false,
    atMs: session === null ? null : Math.max(0, record.at - session.startedAt),
    operator,
    target,
    actor,
    rule:
      risky === null
        ? null
        : { name: risky.rule, score: risky.score, criticality: risky.criticality, action: risky.action },
    command,
    text,
    late,
  };
}

/** A notification's body is one line: control characters of a typed command are shown as spaces. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
