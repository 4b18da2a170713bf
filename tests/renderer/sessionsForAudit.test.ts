import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { Value } from 'typebox/value';
import SessionsForAuditScreen from '../../src/renderer/src/components/sessionsForAudit/SessionsForAuditScreen.vue';
import SessionsTable from '../../src/renderer/src/components/sessions/SessionsTable.vue';
import { emptyFilters, toSessionQuery } from '../../src/renderer/src/lib/sessionFilters';
import { useNavigationStore } from '../../src/renderer/src/stores/navigation';
import { useSessionLogsStore } from '../../src/renderer/src/stores/sessionLogs';
import { SessionQuerySchema, type AssignedAudit } from '../../src/shared/api';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { makeSession } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';
import { logsHandlers, makeLogsFixture } from './support/sessionLogs';

const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const rowIds = () =>
  [...document.querySelectorAll<HTMLElement>('[data-testid^="audit-row-"]')].map((r) =>
    Number(r.dataset.testid!.slice('audit-row-'.length)),
  );

function setInput(testId: string, value: string): void {
  const input = requireTestId(testId) as HTMLInputElement | HTMLTextAreaElement;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('the Sessions for audit screen', { timeout: 20_000 }, () => {
  let fake: FakeVigil;
  /** The gateway's marks for this auditor, newest session first. */
  let marks: AssignedAudit[];
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    const logs = makeLogsFixture(41);
    const auditors = [
      { id: 2, login: 'ana', name: 'Ana Auditor' },
      { id: 3, login: 'bruno', name: 'Bruno Souza' },
    ];
    marks = [
      { session: { ...logs.logs.session, auditors }, audited: false, comment: '', updatedAt: null },
      {
        session: makeSession(40, { status: 'finished', auditors: [auditors[0]!] }),
        audited: true,
        comment: 'Checked the sudo calls',
        updatedAt: '2025-01-02T10:00:00.000Z',
      },
      {
        session: makeSession(38, { status: 'finished', auditors: [auditors[0]!] }),
        audited: false,
        comment: '',
        updatedAt: null,
      },
    ];
    fake = installFakeVigil({
      ...logsHandlers(logs),
      'audit:assigned': ({ audited, page = 1, pageSize = 30 }) => {
        const shown = marks.filter((m) => audited === undefined || String(m.audited) === audited);
        return ok({
          items: shown.slice((page - 1) * pageSize, page * pageSize),
          total: shown.length,
          page,
          pageSize,
        });
      },
      'audit:setMark': ({ sessionId, audited, comment }) => {
        const row = marks.find((m) => m.session.id === sessionId);
        if (!row) return fail('NOT_FOUND', `Session ${sessionId} not found`);
        row.audited = audited;
        row.comment = comment.trim();
        row.updatedAt = '2025-01-03T09:30:00.000Z';
        return ok({ sessionId, audited, comment: row.comment, updatedAt: row.updatedAt });
      },
    });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function openScreen(locale: 'en' | 'pt-BR' = 'en') {
    const mounted = mountLive(SessionsForAuditScreen, {}, { locale });
    wrapper = mounted.wrapper;
    await settle(8);
    return mounted;
  }

  it('lists the assigned sessions with their auditors, flag and comment', async () => {
    await openScreen();
    expect(fake.argsOf('audit:assigned')).toEqual([[{ page: 1, pageSize: 30 }]]);
    expect(rowIds()).toEqual([41, 40, 38]);
    expect(text(requireTestId('audit-row-41'))).toContain('Ana Auditor, Bruno Souza');
    expect(requireTestId('audit-toggle-40').dataset.audited).toBe('true');
    expect(requireTestId('audit-toggle-41').dataset.audited).toBe('false');
    expect(text(requireTestId('audit-comment-text-40'))).toBe('Checked the sudo calls');
    expect(text(requireTestId('audit-comment-text-41'))).toBe('No comment');
    expect(text(requireTestId('audit-total'))).toBe('3 sessions');
  });

  it('the switch marks a session audited at once, keeping its comment', async () => {
    await openScreen();
    requireTestId('audit-toggle-40').click();
    await settle(8);
    expect(fake.argsOf('audit:setMark')).toEqual([
      [{ sessionId: 40, audited: false, comment: 'Checked the sudo calls' }],
    ]);
    expect(requireTestId('audit-toggle-40').dataset.audited).toBe('false');
  });

  it('filters audited and not yet audited sessions', async () => {
    await openScreen();
    (requireTestId('audit-filter-audited').querySelector('input') as HTMLInputElement).click();
    await settle(8);
    expect(fake.argsOf('audit:assigned').at(-1)).toEqual([{ page: 1, pageSize: 30, audited: 'true' }]);
    expect(rowIds()).toEqual([40]);
    (requireTestId('audit-filter-notAudited').querySelector('input') as HTMLInputElement).click();
    await settle(8);
    expect(fake.argsOf('audit:assigned').at(-1)).toEqual([{ page: 1, pageSize: 30, audited: 'false' }]);
    expect(rowIds()).toEqual([41, 38]);
    (requireTestId('audit-filter-all').querySelector('input') as HTMLInputElement).click();
    await settle(8);
    expect(rowIds()).toEqual([41, 40, 38]);
  });

  it('edits the comment and the flag together, refusing a comment over 2000 characters', async () => {
    await openScreen();
    requireTestId('audit-edit-41').click();
    await waitFor(() => byTestId('audit-mark-dialog') !== null, 'the comment editor');
    setInput('audit-mark-comment', 'x'.repeat(2001));
    await settle(2);
    expect(text(requireTestId('audit-mark-problem'))).toBe('The comment may have at most 2000 characters');
    expect((requireTestId('audit-mark-save') as HTMLButtonElement).disabled).toBe(true);

    setInput('audit-mark-comment', '  Commands match the change request  ');
    (
      requireTestId('audit-mark-audited').querySelector('input') ?? requireTestId('audit-mark-audited')
    ).dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle(2);
    requireTestId('audit-mark-save').click();
    await settle(8);
    expect(fake.argsOf('audit:setMark')).toEqual([
      [{ sessionId: 41, audited: true, comment: '  Commands match the change request  ' }],
    ]);
    await waitFor(() => byTestId('audit-mark-dialog') === null, 'the editor to close');
    expect(text(requireTestId('audit-comment-text-41'))).toBe('Commands match the change request');
    expect(requireTestId('audit-toggle-41').dataset.audited).toBe('true');
  });

  it('says when a mark could not be saved, and leaves the row as the gateway has it', async () => {
    fake.handlers['audit:setMark'] = () =>
      fail('FORBIDDEN', 'Only the auditors of this session can mark it audited');
    await openScreen();
    requireTestId('audit-toggle-38').click();
    await settle(8);
    expect(document.body.textContent).toContain('Only the auditors of this session can mark it audited');
    expect(requireTestId('audit-toggle-38').dataset.audited).toBe('false');
  });

  it('opens Session Logs from a row and comes back to Sessions for audit', async () => {
    const { pinia } = await openScreen();
    requireTestId('audit-action-logs-41').click();
    await settle(8);
    expect(useNavigationStore(pinia).view).toBe('sessionLogs');
    expect(useSessionLogsStore(pinia).origin).toBe('sessionsForAudit');
    expect(fake.argsOf('logs:get')).toEqual([[41]]);
  });

  it('speaks Portuguese', async () => {
    await openScreen('pt-BR');
    expect(text(requireTestId('sessions-for-audit-screen'))).toContain('Sessões para auditoria');
    expect(text(requireTestId('audit-comment-text-41'))).toBe('Sem comentário');
    expect(text(requireTestId('audit-total'))).toBe('3 sessões');
  });
});

describe('the Remote sessions list', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows each session’s auditors by name', async () => {
    installFakeVigil({});
    const sessions = [
      makeSession(7, { auditors: [{ id: 3, login: 'bruno', name: 'Bruno Souza' }] }),
      makeSession(8, { auditors: [] }),
    ];
    const { wrapper } = mountLive(SessionsTable, { sessions, loading: false });
    await settle(4);
    expect(text(requireTestId('auditors-7'))).toBe('Bruno Souza');
    expect(byTestId('auditors-8')).toBeNull();
    expect(text(requireTestId('session-row-8'))).toContain('—');
    wrapper.unmount();
  });

  it('sends "Assigned to me" as the gateway reads it', () => {
    expect(toSessionQuery({ ...emptyFilters(), assignedToMe: true })).toEqual({ assignedToMe: 'true' });
    expect(toSessionQuery(emptyFilters())).toEqual({});
    expect(Value.Check(SessionQuerySchema, toSessionQuery({ ...emptyFilters(), assignedToMe: true }))).toBe(
      true,
    );
  });
});
