import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import AuditTrailScreen from '../../src/renderer/src/components/auditTrail/AuditTrailScreen.vue';
import AppHeader from '../../src/renderer/src/components/shell/AppHeader.vue';
import type { AuditEvent, ChainStatus, Me } from '../../src/shared/api';
import { ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { auditorMe, authState } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle } from './support/mount';

const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const rowIds = () =>
  [...document.querySelectorAll<HTMLElement>('[data-testid^="audit-trail-row-"]')].map((r) =>
    Number(r.dataset.testid!.slice('audit-trail-row-'.length)),
  );

/** 45 events, newest first as the gateway lists them. */
const EVENTS: AuditEvent[] = Array.from({ length: 45 }, (_, i) => {
  const id = 45 - i;
  return {
    id,
    at: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
    type: id % 2 === 0 ? 'Login' : 'Session Play',
    actor: id % 3 === 0 ? null : { id: 2, login: 'ana', name: 'Ana Auditor' },
    originIp: '10.0.0.9',
    sessionId: id % 2 === 0 ? null : 7,
    note: `event ${id}`,
    hash: id.toString(16).padStart(64, '0'),
  };
});

const checkpoint = {
  body: {
    type: 'vigil-audit-checkpoint' as const,
    version: 1 as const,
    seq: 3,
    eventId: 40,
    hash: 'ab'.repeat(32),
    signedAt: '2026-01-01T12:10:00.000Z',
    keyId: 'cd'.repeat(32),
  },
  signature: 'c2ln',
};

const intact: ChainStatus = {
  ok: true,
  events: 45,
  brokenAt: null,
  lastCheckpoint: checkpoint,
  problem: null,
};

describe('the Audit trail screen', { timeout: 20_000 }, () => {
  let fake: FakeVigil;
  let chain: ChainStatus;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    chain = intact;
    fake = installFakeVigil({
      'audit:events': ({ type, page = 1, pageSize = 30 }) => {
        const shown = EVENTS.filter((e) => type === undefined || e.type === type);
        return ok({
          items: shown.slice((page - 1) * pageSize, page * pageSize),
          total: shown.length,
          page,
          pageSize,
        });
      },
      'audit:verify': () => ok(chain),
    });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function openScreen(locale: 'en' | 'pt-BR' = 'en') {
    const mounted = mountLive(AuditTrailScreen, {}, { locale });
    wrapper = mounted.wrapper;
    await settle(8);
    return mounted;
  }

  it('lists the newest events first, pages through them, and says the chain is intact up to the checkpoint', async () => {
    await openScreen();
    expect(fake.argsOf('audit:events')).toEqual([[{ page: 1, pageSize: 30 }]]);
    expect(rowIds()).toEqual(EVENTS.slice(0, 30).map((e) => e.id));
    expect(text(requireTestId('audit-trail-row-45'))).toContain('Session Play');
    expect(text(requireTestId('audit-trail-row-45'))).toContain('#7');
    expect(text(requireTestId('audit-trail-row-45'))).toContain('Gateway');
    expect(text(requireTestId('audit-trail-row-44'))).toContain('ana');
    expect(text(requireTestId('audit-trail-total'))).toBe('45 events');

    const banner = requireTestId('audit-trail-chain');
    expect(banner.dataset.state).toBe('intact');
    expect(text(requireTestId('audit-trail-chain-text'))).toMatch(
      /^Intact up to signed checkpoint 3: event 40, signed .+/,
    );

    const next = [
      ...requireTestId('audit-trail-pagination').querySelectorAll<HTMLElement>('.n-pagination-item'),
    ].find((item) => text(item) === '2')!;
    next.click();
    await settle(8);
    expect(fake.argsOf('audit:events').at(-1)).toEqual([{ page: 2, pageSize: 30 }]);
    expect(rowIds()).toEqual(EVENTS.slice(30).map((e) => e.id));
  });

  it('"Check again" asks the gateway again and shows a truncation plainly, with the last intact checkpoint', async () => {
    await openScreen();
    expect(fake.argsOf('audit:verify')).toEqual([[]]);
    chain = {
      ok: false,
      events: 37,
      brokenAt: 38,
      lastCheckpoint: { ...checkpoint, body: { ...checkpoint.body, seq: 2, eventId: 30 } },
      problem: {
        kind: 'truncated',
        message: 'checkpoint 3 signed event 40, but the trail now ends at event 37',
        eventId: 40,
        checkpointSeq: 3,
        trailEndsAt: 37,
      },
    };
    requireTestId('audit-trail-check-again').click();
    await settle(8);
    expect(fake.argsOf('audit:verify')).toEqual([[], []]);
    expect(requireTestId('audit-trail-chain').dataset.state).toBe('truncated');
    expect(text(requireTestId('audit-trail-chain-text'))).toBe(
      'Truncated: checkpoint 3 signed event 40, the trail now ends at event 37',
    );
    expect(text(requireTestId('audit-trail-chain-last-good'))).toMatch(
      /^Last intact checkpoint: 2 \(event 30, signed /,
    );

    chain = {
      ok: false,
      events: 45,
      brokenAt: 40,
      lastCheckpoint: null,
      problem: { kind: 'rewritten', message: '', eventId: 40, checkpointSeq: 3, trailEndsAt: null },
    };
    requireTestId('audit-trail-check-again').click();
    await settle(8);
    expect(text(requireTestId('audit-trail-chain-text'))).toMatch(
      /^Broken at checkpoint 3: event 40 no longer has/,
    );

    chain = {
      ok: false,
      events: 45,
      brokenAt: 12,
      lastCheckpoint: null,
      problem: { kind: 'broken', message: '', eventId: 12, checkpointSeq: null, trailEndsAt: null },
    };
    requireTestId('audit-trail-check-again').click();
    await settle(8);
    expect(text(requireTestId('audit-trail-chain-text'))).toBe(
      'Broken at event 12: it does not chain to the event before it',
    );
  });

  it('filters by actor and session, starting again from the first page', async () => {
    await openScreen();
    const actor = requireTestId('audit-trail-actor') as HTMLInputElement;
    actor.value = '  ana ';
    actor.dispatchEvent(new Event('input', { bubbles: true }));
    actor.dispatchEvent(new Event('change', { bubbles: true }));
    await settle(8);
    expect(fake.argsOf('audit:events').at(-1)).toEqual([{ actor: 'ana', page: 1, pageSize: 30 }]);

    const session = requireTestId('audit-trail-session') as HTMLInputElement;
    session.value = '7';
    session.dispatchEvent(new Event('input', { bubbles: true }));
    session.dispatchEvent(new Event('blur', { bubbles: true }));
    await settle(8);
    expect(fake.argsOf('audit:events').at(-1)).toEqual([
      { actor: 'ana', sessionId: 7, page: 1, pageSize: 30 },
    ]);

    requireTestId('audit-trail-clear').click();
    await settle(8);
    expect(fake.argsOf('audit:events').at(-1)).toEqual([{ page: 1, pageSize: 30 }]);
  });

  it('speaks Portuguese', async () => {
    await openScreen('pt-BR');
    expect(text(requireTestId('audit-trail-screen'))).toContain('Trilha de auditoria');
    expect(text(requireTestId('audit-trail-chain-text'))).toMatch(
      /^Íntegra até o checkpoint assinado 3: evento 40/,
    );
    expect(text(requireTestId('audit-trail-total'))).toBe('45 eventos');
  });
});

describe('who is offered the Audit trail', () => {
  let wrapper: VueWrapper | null = null;

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  it.each([
    { who: 'an auditor holding Logs', user: auditorMe, offered: true },
    {
      who: 'an auditor without Logs',
      user: { ...auditorMe, permissions: ['PAM.SessionManagement.Recording'] } satisfies Me,
      offered: false,
    },
  ])('the header shows the screen to $who: $offered', async ({ user, offered }) => {
    installFakeVigil();
    const mounted = mountLive(AppHeader, {}, { state: { ...authState, user } });
    wrapper = mounted.wrapper;
    await settle();
    expect(byTestId('nav-audit-trail') !== null).toBe(offered);
  });
});
