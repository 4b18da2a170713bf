import type { Composer } from 'vue-i18n';
import type { AppError } from '@shared/result';
import { describeError } from '../../lib/errors';

/** Gateway codes of the live actions first (live.errorCodes), then the app-wide ones. */
export function describeLiveError(i18n: Pick<Composer, 't' | 'te'>, error: AppError): string {
  const key = `live.errorCodes.${error.code}`;
  if (!i18n.te(key)) return describeError(i18n, error);
  const sentence = i18n.t(key);
  return error.message && error.message !== sentence
    ? `${sentence} ${i18n.t('errors.detail', { message: error.message })}`
    : sentence;
}
