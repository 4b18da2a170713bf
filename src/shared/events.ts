/** Audit trail event names, exactly as SPEC §9 lists them (shown to people as written). */
export const EVENT_TYPES = [
  'Started',
  'Terminated',
  'Drop session',
  'Live Stream',
  'Session Play',
  'Video Download',
  'Log viewer',
  'Interactivity blocked',
  'Interactivity blocked (attempted)',
  'Interactivity unlocked',
  'Interactivity unlocked (attempted)',
  'Prevent purge set',
  'Prevent purge cleared',
  'Auditors changed',
  'Files purged',
  'Exported Details',
  'Prohibited Event',
  'Observed Event',
  // Identity events the trail also needs (not session-bound).
  'Login',
  'Login failed',
  'Login locked',
  'Logout',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
