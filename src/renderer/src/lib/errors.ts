import type { Composer } from 'vue-i18n';
import type { AppError } from '@shared/result';
import { JUSTIFICATION_MAX, JUSTIFICATION_MIN, justificationError } from '@shared/api';

/**
 * Codes whose translated sentence says all there is: the gateway's message would only repeat it
 * in English ("Wrong username or password. Details: Invalid username or password").
 */
const COMPLETE_SENTENCES: ReadonlySet<string> = new Set([
  'INVALID_CREDENTIALS',
  'NOT_LOGGED_IN',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'INVALID_TOKEN',
]);

/**
 * Words for an error in the current language. Known codes get a translated sentence; the
 * gateway's own message follows as detail, because it often names the exact field or reason.
 */
export function describeError(i18n: Pick<Composer, 't' | 'te'>, error: AppError): string {
  const key = `errors.codes.${error.code}`;
  if (!i18n.te(key)) return error.message;
  const sentence = i18n.t(key);
  return error.message && error.message !== sentence && !COMPLETE_SENTENCES.has(error.code)
    ? `${sentence} ${i18n.t('errors.detail', { message: error.message })}`
    : sentence;
}

/**
 * The justification rule comes from shared/api.ts (the gateway applies the same one); this only picks
 * the translated sentence for whichever part of it failed.
 */
export function justificationProblem(i18n: Pick<Composer, 't'>, text: string): string | null {
  const problem = justificationError(text);
  if (problem === null) return null;
  const length = text.trim().length;
  if (length === 0) return i18n.t('preventPurge.problems.required');
  if (length < JUSTIFICATION_MIN) return i18n.t('preventPurge.problems.tooShort', { min: JUSTIFICATION_MIN });
  if (length > JUSTIFICATION_MAX) return i18n.t('preventPurge.problems.tooLong', { max: JUSTIFICATION_MAX });
  return problem;
}
