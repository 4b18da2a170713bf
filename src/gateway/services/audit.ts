import type { AuditEventList, AuditEventQuery, ChainStatus } from '../../shared/api';
import type { Store } from '../db/store';
import { toApiEvent } from './mappers';
import { paging, toEventFilter } from './queries';

/** Reading the audit trail and proving it is intact. */
export class AuditService {
  constructor(private readonly store: Store) {}

  list(query: AuditEventQuery): AuditEventList {
    const { page, pageSize, offset } = paging(query);
    const { total, items } = this.store.events.list(toEventFilter(query), offset, pageSize);
    return { items: items.map(toApiEvent), total, page, pageSize };
  }

  verify(): ChainStatus {
    return this.store.events.verify();
  }
}
