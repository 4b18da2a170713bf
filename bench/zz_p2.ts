import { performance } from 'node:perf_hooks';
import { openStore } from '../src/gateway/db/store';
import type { SessionFilter } from '../src/gateway/db/sessionFilters';
const store = openStore('/tmp/bench1m/vigil.db');
const db = store.db;
const orig = db.prepare.bind(db);
const times = new Map<string, number>();
(db as any).prepare = (sql: string) => {
  const st = orig(sql);
  for (const m of ['get', 'all'] as const) {
    const f = (st as any)[m].bind(st);
    (st as any)[m] = (...args: unknown[]) => { const a = performance.now(); const r = f(...args); const key = sql.replace(/\s+/g, ' ').slice(0, 140); times.set(key, (times.get(key) ?? 0) + performance.now() - a); return r; };
  }
  return st;
};
const { SessionsRepository } = await import('../src/gateway/db/sessions');
const repo = new SessionsRepository(db);
const now = Date.now();
const cases: [string, SessionFilter][] = [
  ['user+device', { user: 'kira.silva', device: 'db' }],
  ['cred+ip', { credential: 'root', originIp: '10.' }],
  ['device+30d', { device: 'web', from: now - 30 * 86400000, to: now }],
  ['originIp 10.1.', { originIp: '10.1.' }],
  ['q CHG', { q: 'CHG' }],
];
for (const [name, f] of cases) {
  times.clear();
  const N = 10;
  const a = performance.now();
  for (let i = 0; i < N; i++) repo.list(f, { kind: 'all' }, 1, 0, 30);
  console.log(`== ${name}: ${((performance.now() - a) / N).toFixed(2)} ms/query`);
  for (const [k, v] of times) console.log('   ', (v / N).toFixed(2), k);
}
