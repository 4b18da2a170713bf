/** The i18n key of a "Back to …" button, by the screen it returns to. */
export function backLabelKey(origin: string): string {
  switch (origin) {
    case 'library':
      return 'player.backToLibrary';
    case 'search':
      return 'search.back';
    case 'sessionsForAudit':
      return 'sessionsForAudit.back';
    default:
      return 'player.back';
  }
}
