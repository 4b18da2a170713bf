import { AUDITOR_MESSAGES } from '@shared/messages';

/**
 * English texts of the Live Stream viewer and the Blocked users report, merged by i18n/en.ts
 * under the keys `live` and `blocks`. The auditor's fixed texts come from shared/messages.ts, so they
 * stay exactly as the product defines them. vue-i18n reserves { } @ $ | in messages.
 */
const liveEn = {
  live: {
    title: 'Live Stream · session #{id}',
    operator: 'Operator',
    target: 'Target',
    targetValue: '{credential} on {device}',
    origin: 'From',
    elapsed: 'Elapsed',
    readOnly: 'Read-only: you watch, the operator types',
    connecting: 'Connecting to the live session…',
    hold: 'Hold on!',
    holdHint: "Block the operator's keyboard, mouse and clipboard input; output keeps flowing",
    blocked: 'Interactivity blocked',
    blockedBy: 'Blocked by {by} at {at}',
    interactive: 'Operator may interact',
    endedState: 'Session ended',
    droppedBy: 'Dropped by {by}',
    holdRelease: "Input blocked: click to give the operator's input back",
    blockedNow: "The operator's input is blocked",
    releasedNow: "The operator's input is restored",
    drop: 'Drop',
    dropConfirm: AUDITOR_MESSAGES.dropConfirm as string,
    dropExplain: 'Both legs of the session end at once and the operator is disconnected.',
    dropWhich: "{login}{'@'}{device} · session #{id}",
    yes: 'Yes',
    no: 'No',
    dropped: AUDITOR_MESSAGES.dropped as string,
    close: 'Close viewer',
    reconnect: 'Reconnect',
    ended: {
      terminated: 'The session ended',
      dropped: 'The session was dropped',
      failed: 'The session failed',
      at: 'Ended at {at}',
    },
    lost: 'The live stream was interrupted',
    lostDetail: 'Connection closed ({code}): {reason}',
    openFailed: 'The live stream could not be opened',
    errorCodes: {
      ALREADY_BLOCKED: 'Interactivity is already blocked in this session.',
      NOT_BLOCKED: 'Interactivity is not blocked in this session.',
      NOT_CONNECTED: 'The session is no longer connected to the gateway.',
      INVALID_STATE: 'Not possible in the current state of the session.',
      LIVE_STREAM_LIMIT: 'Too many live streams are open; close one first.',
    },
  },
  blocks: {
    title: 'Blocked users',
    subtitle: 'Interactivity blocks ("Hold on!") and their release',
    refresh: 'Refresh',
    filter: {
      active: 'Active',
      released: 'Released',
      all: 'All',
    },
    columns: {
      session: 'Session',
      blockedUser: 'Blocked user',
      author: 'Author',
      blockedAt: 'Blocked at',
      releasedAt: 'Released at',
      releaser: 'Releaser',
      actions: 'Actions',
    },
    active: 'Active',
    release: 'Release',
    released: 'Block released: {user} may start sessions again',
    empty: 'No blocks',
    loadFailed: 'The blocks could not be loaded',
  },
};

export type LiveMessages = typeof liveEn;
export default liveEn;
