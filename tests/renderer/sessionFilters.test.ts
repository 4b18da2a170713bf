import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { SessionQuerySchema } from '../../src/shared/api';
import {
  activeFilterCount,
  copyFilters,
  emptyFilters,
  toSessionQuery,
} from '../../src/renderer/src/lib/sessionFilters';

describe('toSessionQuery', () => {
  it('sends nothing for an empty form', () => {
    expect(toSessionQuery(emptyFilters())).toEqual({});
  });

  it('trims text, leaves blanks out and maps every filter of the list to its query key', () => {
    const query = toSessionQuery({
      ...emptyFilters(),
      id: ' 42 ',
      hash: ' abc ',
      user: 'ana ',
      credential: 'root',
      device: '   ',
      originIp: '10.0.',
      protocol: 'rdp',
      proxy: 'vigil',
      status: 'live',
      q: ' audit ',
    });
    expect(query).toEqual({
      id: 42,
      hash: 'abc',
      user: 'ana',
      credential: 'root',
      originIp: '10.0.',
      protocol: 'rdp',
      proxy: 'vigil',
      status: 'live',
      q: 'audit',
    });
    // What the form produces is what the gateway's own schema accepts.
    expect(Value.Check(SessionQuerySchema, query)).toBe(true);
  });

  it('covers the whole last day of the start period', () => {
    const first = new Date(2025, 2, 3).getTime();
    const last = new Date(2025, 2, 5).getTime();
    const query = toSessionQuery({ ...emptyFilters(), period: [first, last] });
    expect(query.from).toBe(new Date(2025, 2, 3, 0, 0, 0, 0).toISOString());
    expect(query.to).toBe(new Date(2025, 2, 5, 23, 59, 59, 999).toISOString());
    expect(Value.Check(SessionQuerySchema, query)).toBe(true);
  });

  it('counts active filters, the period as one', () => {
    expect(activeFilterCount(emptyFilters())).toBe(0);
    const day = new Date(2025, 0, 1).getTime();
    expect(activeFilterCount({ ...emptyFilters(), user: 'x', protocol: 'ssh', period: [day, day] })).toBe(3);
  });

  it('copies the period so editing the draft does not change the applied filters', () => {
    const draft = { ...emptyFilters(), period: [1, 2] as [number, number] };
    const applied = copyFilters(draft);
    draft.period[0] = 99;
    expect(applied.period).toEqual([1, 2]);
  });
});
