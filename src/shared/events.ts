/** Audit trail event names, exactly as the product names them (shown to people as written). */
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
  // Administration that takes access away (the CLI), and what it ends in the running gateway.
  'User disabled',
  'User enabled',
  'User removed',
  'Access revoked',
  // Refusals of auditors acting on their own sessions (and other refused actions).
  'Live Stream (attempted)',
  'Prevent purge set (attempted)',
  'Prevent purge cleared (attempted)',
  'Auditors changed (attempted)',
  'Log viewer (attempted)',
  'Video Download (attempted)',
  // The SSH proxy: a session it refused to open (no grant, blocked, file transfer), and a target
  // host key trusted on first use.
  'Access refused',
  'Host key pinned',
  // Several gateway nodes: a node back after peers finished its sessions recovers their recordings.
  'Recording recovered',
  // Audited-command rules kept with the CLI.
  'Command rule added',
  'Command rule removed',
  // An auditor's own verdict on a session they were assigned (Sessions for audit).
  'Audit status changed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
