import { performance } from 'node:perf_hooks';
import { openStore } from '../src/gateway/db/store';
const store = openStore('/tmp/bench1m/vigil.db');
const db = store.db;
function t(label: string, sql: string, params: Record<string, unknown> = {}) {
  const st = db.prepare(sql);
  const xs: number[] = []; let r: unknown;
  for (let i = 0; i < 12; i++) { const a = performance.now(); r = st.all(params); xs.push(performance.now() - a); }
  xs.sort((a, b) => a - b);
  console.log(label.padEnd(30), xs[6]!.toFixed(2), JSON.stringify(r).slice(0, 50), db.prepare('EXPLAIN QUERY PLAN ' + sql).all(params).map((x: any) => x.detail).join(' | ').slice(0, 150));
}
t('count cred range', "SELECT count(*) FROM sessions s INDEXED BY sessions_credential WHERE s.credential LIKE 'root%' ESCAPE '\\'");
t('count cred+ip LIKE', "SELECT count(*) FROM sessions s INDEXED BY sessions_credential WHERE s.credential LIKE 'root%' ESCAPE '\\' AND s.origin_ip LIKE '10.%' ESCAPE '\\'");
t('count cred+ip substr', "SELECT count(*) FROM sessions s INDEXED BY sessions_credential WHERE s.credential LIKE 'root%' ESCAPE '\\' AND substr(s.origin_ip,1,3) = '10.' COLLATE NOCASE");
t('count cred+ip range', "SELECT count(*) FROM sessions s INDEXED BY sessions_credential WHERE s.credential LIKE 'root%' ESCAPE '\\' AND s.origin_ip >= '10.' AND s.origin_ip < '10/'");
t('count ip range', "SELECT count(*) FROM sessions s INDEXED BY sessions_origin_ip WHERE s.origin_ip LIKE '10.%' ESCAPE '\\'");
t('probe cred', "SELECT count(*) FROM (SELECT 1 FROM sessions s INDEXED BY sessions_credential WHERE s.credential LIKE 'root%' ESCAPE '\\' LIMIT 1000000)");
t('count user+dev', "SELECT count(*) FROM sessions s INDEXED BY sessions_user WHERE s.user_login LIKE 'kira.silva%' ESCAPE '\\' AND s.device LIKE 'db%' ESCAPE '\\'");
t('count dev web 30d', "SELECT count(*) FROM sessions s INDEXED BY sessions_device WHERE s.device LIKE 'web%' ESCAPE '\\' AND s.started_at >= " + (Date.now() - 30 * 86400000));
t('count time 30d dev', "SELECT count(*) FROM sessions s INDEXED BY sessions_time WHERE s.device LIKE 'web%' ESCAPE '\\' AND s.started_at >= " + (Date.now() - 30 * 86400000));
// export variants
const all = "SELECT s.id, s.hash, s.user_login, s.origin_ip, s.credential, s.device, s.protocol, s.proxy, s.started_at, s.ended_at, s.duration_ms, s.status, s.prevent_purge_at IS NOT NULL FROM sessions s INDEXED BY sessions_time ORDER BY s.started_at DESC, s.id DESC";
let a = performance.now(); let n = 0;
for (const _r of db.prepare(all).raw(true).iterate()) n++;
console.log('iterate all', performance.now() - a, n);
a = performance.now(); n = 0;
const batch = db.prepare(all.replace('ORDER BY', 'WHERE (s.started_at < @t OR (s.started_at = @t AND s.id < @id)) ORDER BY') + ' LIMIT 2000').raw(true);
let cursor = { t: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
for (;;) { const rows = batch.all(cursor) as any[]; if (rows.length === 0) break; n += rows.length; const last = rows[rows.length - 1]; cursor = { t: last[8], id: last[0] }; }
console.log('batched all', performance.now() - a, n);
a = performance.now(); n = 0;
for (const _r of db.prepare(all.replace('INDEXED BY sessions_time ORDER BY s.started_at DESC, s.id DESC', 'ORDER BY s.id DESC')).raw(true).iterate()) n++;
console.log('iterate rowid', performance.now() - a, n);
