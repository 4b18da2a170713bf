import { performance } from 'node:perf_hooks';
import { openStore } from '../src/gateway/db/store';
const store = openStore('/tmp/bench1m/vigil.db');
const db = store.db;
function t(label: string, sql: string, params: Record<string, unknown> = {}) {
  const st = db.prepare(sql);
  const xs: number[] = []; let r: unknown;
  for (let i = 0; i < 15; i++) { const a = performance.now(); r = st.all(params); xs.push(performance.now() - a); }
  xs.sort((a, b) => a - b);
  console.log(label.padEnd(30), 'min', xs[0]!.toFixed(2), 'p50', xs[7]!.toFixed(2), JSON.stringify(r).slice(0, 50), db.prepare('EXPLAIN QUERY PLAN ' + sql).all(params).map((x: any) => x.detail).join(' | ').slice(0, 150));
}
t('like ip', "SELECT count(*) AS n FROM sessions s INDEXED BY sessions_origin_ip WHERE s.origin_ip LIKE @p ESCAPE '\\'", { p: '10.%' });
t('range ip', "SELECT count(*) AS n FROM sessions s INDEXED BY sessions_origin_ip WHERE s.origin_ip >= @lo AND s.origin_ip < @hi", { lo: '10.', hi: '10/' });
t('range cred', "SELECT count(*) AS n FROM sessions s INDEXED BY sessions_credential WHERE s.credential >= @lo AND s.credential < @hi", { lo: 'root', hi: 'roou' });
t('range cred+ip', "SELECT count(*) AS n FROM sessions s INDEXED BY sessions_credential WHERE s.credential >= @lo AND s.credential < @hi AND s.origin_ip >= @a AND s.origin_ip < @b", { lo: 'root', hi: 'roou', a: '10.', b: '10/' });
t('range cred+ip+proto', "SELECT count(*) AS n FROM sessions s INDEXED BY sessions_credential WHERE s.credential >= @lo AND s.credential < @hi AND s.origin_ip >= @a AND s.origin_ip < @b AND s.protocol = 'ssh'", { lo: 'root', hi: 'roou', a: '10.', b: '10/' });
t('offset range ip 71k', "SELECT 1 FROM sessions s INDEXED BY sessions_origin_ip WHERE s.origin_ip >= @lo AND s.origin_ip < @hi LIMIT 1 OFFSET 71611", { lo: '10.', hi: '10/' });
t('range upper', "SELECT count(*) AS n FROM sessions s INDEXED BY sessions_credential WHERE s.credential >= @lo AND s.credential < @hi", { lo: 'ROOT', hi: 'ROOU' });
