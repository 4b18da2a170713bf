import type { Composer } from 'vue-i18n';
import type { AppError } from '@shared/result';
import { describeError } from '../../lib/errors';

export interface LogsProblem {
  kind: 'forbidden' | 'live' | 'notFound' | 'network' | 'other';
  title: string;
  body: string;
  /** Trying again can help (a network failure, a session that may have ended since). */
  retry: boolean;
}

const KINDS: Record<string, LogsProblem['kind']> = {
  FORBIDDEN: 'forbidden',
  INVALID_STATE: 'live',
  CONFLICT: 'live',
  NOT_FOUND: 'notFound',
  NETWORK: 'network',
};

/** What went wrong opening the logs, said so that the auditor knows what to do next. */
export function logsProblem(i18n: Pick<Composer, 't' | 'te'>, error: AppError): LogsProblem {
  const kind = KINDS[error.code] ?? 'other';
  const { t } = i18n;
  switch (kind) {
    case 'forbidden':
      return {
        kind,
        title: t('sessionLogs.errors.forbiddenTitle'),
        body: t('sessionLogs.errors.forbidden'),
        retry: false,
      };
    case 'live':
      return {
        kind,
        title: t('sessionLogs.errors.liveTitle'),
        body: t('sessionLogs.errors.live'),
        retry: true,
      };
    case 'notFound':
      return {
        kind,
        title: t('sessionLogs.errors.notFoundTitle'),
        body: t('sessionLogs.errors.notFound'),
        retry: false,
      };
    case 'network':
      return {
        kind,
        title: t('sessionLogs.errors.networkTitle'),
        body: t('sessionLogs.errors.network'),
        retry: true,
      };
    default:
      return {
        kind,
        title: t('sessionLogs.errors.otherTitle'),
        body: describeError(i18n, error),
        retry: true,
      };
  }
}
