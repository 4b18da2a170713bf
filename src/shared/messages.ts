/** Texts shown to people exactly as written. */
export const OPERATOR_MESSAGES = {
  blocked: 'Session interaction revoked',
  released: 'Interactivity restored. User may interact with the session!',
  dropped: 'You have been disconnected',
} as const;

export const AUDITOR_MESSAGES = {
  dropConfirm: 'Drop this session?',
  dropped: 'Session interrupted',
} as const;

/** The refusal an operator with an active block gets when starting a new session. */
export function blockedOperatorMessage(author: string, at: Date): string {
  return `Error. User has been prevented to start sessions by ${author} on ${formatDateTime(at)}`;
}

/** "YYYY-MM-DD HH:MM:SS UTC": unambiguous in an operator's terminal whatever their locale. */
export function formatDateTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
