import type { ChainStatus } from '@shared/api';
import { formatDateTime, type Translate } from '../../lib/format';

export type ChainTone = 'success' | 'error' | 'default';

/** What the chain banner says: one plain sentence, and the last intact checkpoint after a problem. */
export interface ChainSummary {
  tone: ChainTone;
  /** Stable for tests: intact, intactUnsigned, or the problem's kind. */
  state: string;
  text: string;
  lastGood: string | null;
}

export function summarizeChain(status: ChainStatus, t: Translate, locale: string): ChainSummary {
  const checkpoint = status.lastCheckpoint?.body ?? null;
  const signedAt = (at: string) => formatDateTime(at, locale);
  if (status.ok) {
    return checkpoint === null
      ? {
          tone: 'success',
          state: 'intactUnsigned',
          text: t('auditTrail.chain.intactUnsigned', { events: status.events }),
          lastGood: null,
        }
      : {
          tone: 'success',
          state: 'intact',
          text: t('auditTrail.chain.intact', {
            seq: checkpoint.seq,
            event: checkpoint.eventId,
            at: signedAt(checkpoint.signedAt),
          }),
          lastGood: null,
        };
  }
  const problem = status.problem;
  const lastGood =
    checkpoint === null
      ? null
      : t('auditTrail.chain.lastGood', {
          seq: checkpoint.seq,
          event: checkpoint.eventId,
          at: signedAt(checkpoint.signedAt),
        });
  const event = problem?.eventId ?? status.brokenAt ?? 0;
  const seq = problem?.checkpointSeq ?? 0;
  const fail = (state: string, text: string): ChainSummary => ({ tone: 'error', state, text, lastGood });
  switch (problem?.kind) {
    case 'rewritten':
      return fail('rewritten', t('auditTrail.chain.rewritten', { seq, event }));
    case 'truncated': {
      const end = problem.trailEndsAt ?? 0;
      return problem.checkpointSeq === null
        ? fail('truncated', t('auditTrail.chain.truncatedUnsigned', { event, end }))
        : fail('truncated', t('auditTrail.chain.truncated', { seq, event, end }));
    }
    case 'signature':
      return fail('signature', t('auditTrail.chain.signature', { seq }));
    case 'checkpoint-missing':
      return fail('checkpoint-missing', t('auditTrail.chain.checkpointMissing', { seq }));
    default:
      return fail('broken', t('auditTrail.chain.broken', { event }));
  }
}
