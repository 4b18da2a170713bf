import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import AuditorsDialog from '../../src/renderer/src/components/sessions/AuditorsDialog.vue';
import { ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { makeSession, users } from './support/fixtures';
import { byTestId, mountInApp, requireTestId, settle } from './support/mount';
import { selectByTestId } from './support/naive';

const selectedLabel = (index: number) =>
  requireTestId(`auditors-select-${index}`).querySelector('.n-base-selection-label')?.textContent?.trim();

describe('AuditorsDialog', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fake = installFakeVigil({
      'sessions:getAuditors': () => ok({ auditors: [{ id: 3, login: 'bruno', name: 'Bruno Souza' }] }),
      'users:list': () => ok(users),
      'sessions:setAuditors': ({ userIds }) => ok({ auditors: users.filter((u) => userIds.includes(u.id)) }),
      'sessions:get': (id) => ok(makeSession(id)),
    });
  });
  afterEach(() => {
    wrapper?.unmount();
    document.body.innerHTML = '';
  });

  it('lists the current auditors, adds more, removes one and saves the ids', async () => {
    wrapper = mountInApp(AuditorsDialog, { session: makeSession(8), show: true }).wrapper;
    await settle();
    expect(fake.argsOf('sessions:getAuditors')).toEqual([[8]]);
    expect(selectedLabel(0)).toBe('Bruno Souza (bruno)');

    requireTestId('auditors-add').click();
    await settle();
    await selectByTestId(wrapper, 'auditors-select-1').pick('Carla Lima (carla)');
    requireTestId('auditors-add').click();
    await settle();
    await selectByTestId(wrapper, 'auditors-select-2').pick('Ana Auditor (ana)');

    requireTestId('auditors-remove-0').click();
    await settle();
    expect(selectedLabel(0)).toBe('Carla Lima (carla)');

    requireTestId('auditors-save').click();
    await settle();
    expect(fake.argsOf('sessions:setAuditors')).toEqual([[{ sessionId: 8, userIds: [4, 2] }]]);
    expect(fake.argsOf('sessions:get')).toEqual([[8]]); // the row is refreshed
    expect(document.body.textContent).toContain('Auditors saved for session #8');
  });

  it('offers only people with an audit role, and nobody twice', async () => {
    wrapper = mountInApp(AuditorsDialog, { session: makeSession(8), show: true }).wrapper;
    await settle();
    requireTestId('auditors-add').click();
    await settle();
    const offered = selectByTestId(wrapper, 'auditors-select-1').labels();
    expect(offered).toContain('Ana Auditor (ana)');
    expect(offered).not.toContain('Bruno Souza (bruno)'); // already in row 0
    expect(offered).not.toContain('Otto Operator (otto)'); // an Operator cannot audit
  });

  it('starts with "Add auditor" when there are none, then offers "Add more"', async () => {
    fake.handlers['sessions:getAuditors'] = () => ok({ auditors: [] });
    wrapper = mountInApp(AuditorsDialog, { session: makeSession(2), show: true }).wrapper;
    await settle();
    expect(byTestId('auditors-none')).not.toBeNull();
    expect(requireTestId('auditors-add').textContent).toContain('Add auditor');
    requireTestId('auditors-add').click();
    await settle();
    expect(requireTestId('auditors-add').textContent).toContain('Add more');
    requireTestId('auditors-save').click();
    await settle();
    // An empty row is not an auditor: saving sends no ids.
    expect(fake.argsOf('sessions:setAuditors')).toEqual([[{ sessionId: 2, userIds: [] }]]);
  });
});
