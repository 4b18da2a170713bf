/**
 * English texts of the Search screen, merged by i18n/index.ts under the key `search`.
 * vue-i18n reserves { } @ $ | in messages, so none appear literally here.
 */
const searchEn = {
  search: {
    nav: 'Search',
    title: 'Search across sessions',
    subtitle: 'Typed commands and terminal text of every session you may audit',
    placeholder: 'Words to find, e.g. passwd shadow',
    submit: 'Search',
    hint: 'Every word must appear, whole, in one command or one line of terminal text.',
    filtersTitle: 'Narrow down',
    reset: 'Clear filters',
    prompt: 'Type words and press Enter to search the sessions.',
    noHits: 'No command or terminal line matches “{q}”.',
    total: 'no hits | 1 hit | {count} hits',
    sessions: 'in 1 session on this page | in {count} sessions on this page',
    kind: {
      command: 'Command',
      text: 'Terminal',
    },
    at: 'at {time}',
    line: 'line {n}',
    live: 'Live',
    play: 'Play at {time}',
    logs: 'Open in Session Logs',
    back: 'Back to Search',
    opening: 'Opening the session…',
    error: 'The search failed',
    openError: 'The session could not be opened',
    noVideo: 'You may not watch the video of this session.',
    noLogs: 'You may not read the logs of this session.',
    grouped: 'Group by session',
    columns: {
      moment: 'Moment',
      match: 'Match',
      user: 'User',
      target: 'Target',
      start: 'Start',
      protocol: 'Protocol',
      actions: 'Actions',
    },
  },
};

export type SearchMessages = typeof searchEn;
export default searchEn;
