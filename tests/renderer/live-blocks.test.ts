import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import BlockedUsersReport from '../../src/renderer/src/components/blocks/BlockedUsersReport.vue';
import type { Block, BlockQuery } from '../../src/shared/api';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { auditorMe, authState } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';

const ana = { id: 2, login: 'ana', name: 'Ana Auditor' };
const bob = { id: 11, login: 'ops.bob', name: 'Bob Ops' };
const carla = { id: 4, login: 'carla', name: 'Carla Lima' };

function makeBlocks(): Block[] {
  return [
    {
      id: 7,
      sessionId: 30,
      blockedUser: bob,
      author: ana,
      blockedAt: '2026-01-02T10:00:00.000Z',
      releasedAt: null,
      releaser: null,
    },
    {
      id: 5,
      sessionId: 21,
      blockedUser: bob,
      author: carla,
      blockedAt: '2026-01-01T09:00:00.000Z',
      releasedAt: '2026-01-01T09:05:00.000Z',
      releaser: ana,
    },
  ];
}

const rowIds = () =>
  [...document.querySelectorAll<HTMLElement>('[data-testid^="block-row-"]')].map((row) =>
    Number(row.dataset.testid?.replace('block-row-', '')),
  );

describe('BlockedUsersReport', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let blocks: Block[];
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    blocks = makeBlocks();
    const matching = (query: BlockQuery) =>
      blocks.filter((b) =>
        query.status === undefined ? true : (b.releasedAt === null) === (query.status === 'active'),
      );
    fake = installFakeVigil({
      'blocks:list': (query) => ok(matching(query).map((b) => ({ ...b }))),
      'blocks:release': (blockId) => {
        const block = blocks.find((b) => b.id === blockId);
        if (!block) return fail('NOT_FOUND', `Block ${blockId} not found`);
        if (block.releasedAt !== null) return fail('NOT_BLOCKED', `Block ${blockId} was already released`);
        Object.assign(block, { releasedAt: '2026-01-02T11:00:00.000Z', releaser: ana });
        return ok({ ...block });
      },
    });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function mountReport(state = authState) {
    wrapper = mountLive(BlockedUsersReport, {}, { state }).wrapper;
    await settle();
  }

  it('lists the active blocks with session, blocked user, author and times', async () => {
    await mountReport();
    expect(fake.argsOf('blocks:list')).toEqual([[{ status: 'active' }]]);
    expect(byTestId('blocked-users-table')).not.toBeNull();
    expect(rowIds()).toEqual([7]);
    const row = requireTestId('block-row-7');
    expect(row.dataset.state).toBe('active');
    expect(row.textContent).toContain('#30');
    expect(row.textContent).toContain('Bob Ops');
    expect(row.textContent).toContain('Ana Auditor');
    const headers = [...document.querySelectorAll('th')].map((th) => th.textContent?.trim());
    expect(headers).toEqual([
      'Session',
      'Blocked user',
      'Author',
      'Blocked at',
      'Released at',
      'Releaser',
      'Actions',
    ]);
  });

  it('filters released and all blocks', async () => {
    await mountReport();
    requireTestId('blocks-filter-released').querySelector('input')!.click();
    await settle();
    expect(fake.argsOf('blocks:list').at(-1)).toEqual([{ status: 'released' }]);
    expect(rowIds()).toEqual([5]);
    expect(requireTestId('block-row-5').textContent).toContain('Carla Lima');
    expect(byTestId('block-release-5')).toBeNull();

    requireTestId('blocks-filter-all').querySelector('input')!.click();
    await settle();
    expect(fake.argsOf('blocks:list').at(-1)).toEqual([{}]);
    expect(rowIds()).toEqual([7, 5]);
  });

  it('releases an active block from the report', async () => {
    await mountReport();
    requireTestId('block-release-7').click();
    await settle();
    expect(fake.argsOf('blocks:release')).toEqual([[7]]);
    expect(rowIds()).toEqual([]);
    await waitFor(() => document.body.textContent!.includes('Block released'), 'the success message');
    expect(document.body.textContent).toContain('Block released: Bob Ops may start sessions again');
    expect(byTestId('blocks-empty')).not.toBeNull();
  });

  it('keeps a released row in the "all" view, now with its releaser', async () => {
    await mountReport();
    requireTestId('blocks-filter-all').querySelector('input')!.click();
    await settle();
    requireTestId('block-release-7').click();
    await settle();
    const row = requireTestId('block-row-7');
    expect(row.dataset.state).toBe('released');
    expect(row.textContent).toContain('Ana Auditor');
    expect(byTestId('block-release-7')).toBeNull();
  });

  it('shows a refused release and keeps the row', async () => {
    fake.handlers['blocks:release'] = () => fail('NOT_BLOCKED', 'Block 7 was already released');
    await mountReport();
    requireTestId('block-release-7').click();
    await settle();
    expect(rowIds()).toEqual([7]);
    expect(document.body.textContent).toContain('Interactivity is not blocked in this session.');
  });

  it('offers no Release to someone without the Livestream permission', async () => {
    await mountReport({
      ...authState,
      user: { ...auditorMe, permissions: ['PAM.SessionManagement.Logs'] },
    });
    expect(rowIds()).toEqual([7]);
    expect(byTestId('block-release-7')).toBeNull();
  });

  it('says when the report cannot be loaded', async () => {
    fake.handlers['blocks:list'] = () =>
      fail('FORBIDDEN', 'Missing permission PAM.SessionManagement.Livestream');
    await mountReport();
    expect(requireTestId('blocks-error').textContent).toContain('Missing permission');
  });
});
