import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/gateway/db/store';
import { sqliteAsyncStore } from '../../src/gateway/db/sqliteAsyncStore';
import { GatewayError } from '../../src/gateway/errors';
import { CommandRulesAdminService } from '../../src/gateway/services/commandRulesAdmin';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-reserved-rule-'));
  store = openStore(join(dir, 'vigil.db'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the name of the rule the gateway applies itself', () => {
  it('cannot be taken by an administrator, in any case', async () => {
    const admin = new CommandRulesAdminService(sqliteAsyncStore(store, false), () => 1);
    const input = { pattern: 'rm', score: '50', criticality: 'high', action: 'block' };
    for (const name of ['line-too-long', 'Line-Too-Long']) {
      let refused: unknown = null;
      try {
        await admin.add({ ...input, name });
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(GatewayError);
      expect(refused).toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('is reserved') as string,
      });
    }
    expect(await admin.list()).toEqual([]);
    expect((await admin.add({ ...input, name: 'line-too-long-2' })).name).toBe('line-too-long-2');
  });
});
