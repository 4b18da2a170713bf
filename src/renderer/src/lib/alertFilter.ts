import type { AlertEntry } from '@shared/alertCentre';
import type { AlertKind } from '@shared/alerts';
import type { Criticality } from '@shared/rules';

/** What the alert centre's filters ask for; null means any. */
export interface AlertFilter {
  kind: AlertKind | null;
  /** Only risky commands of exactly this criticality. */
  criticality: Criticality | null;
  unreadOnly: boolean;
}

export function filterAlerts(entries: readonly AlertEntry[], filter: AlertFilter): AlertEntry[] {
  return entries.filter(({ alert, read }) => {
    if (filter.kind !== null && alert.kind !== filter.kind) return false;
    if (filter.criticality !== null && alert.rule?.criticality !== filter.criticality) return false;
    return !(filter.unreadOnly && read);
  });
}
