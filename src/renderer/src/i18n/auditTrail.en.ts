/**
 * English texts of the Audit trail screen, merged by i18n/index.ts under the key `auditTrail`.
 * vue-i18n reserves { } @ $ | in messages, so none appear literally here.
 */
const auditTrailEn = {
  auditTrail: {
    nav: 'Audit trail',
    title: 'Audit trail',
    subtitle: 'Everything the gateway recorded, newest first, chained by hash and signed at checkpoints',
    refresh: 'Refresh',
    filter: {
      actor: 'Actor',
      actorPlaceholder: 'Part of a login',
      type: 'Event',
      anyType: 'Any event',
      session: 'Session',
      sessionPlaceholder: 'Session id',
      period: 'Period',
      clear: 'Clear filters',
    },
    columns: {
      id: '#',
      at: 'When',
      type: 'Event',
      actor: 'Actor',
      session: 'Session',
      originIp: 'Origin',
      note: 'Details',
    },
    system: 'Gateway',
    total: 'No events | 1 event | {n} events',
    empty: 'The trail has no events yet',
    emptyFiltered: 'No event matches these filters',
    loadFailed: 'Could not load the audit trail',
    chain: {
      title: 'Chain of the trail',
      checkAgain: 'Check again',
      checking: 'Checking the chain…',
      notChecked: 'Not checked yet',
      checkFailed: 'Could not check the chain',
      intact: 'Intact up to signed checkpoint {seq}: event {event}, signed {at}',
      intactUnsigned: 'Intact: {events} events, none signed at a checkpoint yet',
      broken: 'Broken at event {event}: it does not chain to the event before it',
      rewritten:
        'Broken at checkpoint {seq}: event {event} no longer has the hash that was signed (events up to it were changed and the chain recomputed)',
      truncated: 'Truncated: checkpoint {seq} signed event {event}, the trail now ends at event {end}',
      truncatedUnsigned:
        'Truncated: an earlier check reached event {event}, the trail now ends at event {end}',
      signature: 'Checkpoint {seq} does not check out with the gateway key (forged or damaged signature)',
      checkpointMissing: 'Signed checkpoint {seq} was removed from the trail',
      lastGood: 'Last intact checkpoint: {seq} (event {event}, signed {at})',
    },
  },
};

export type AuditTrailMessages = typeof auditTrailEn;
export default auditTrailEn;
