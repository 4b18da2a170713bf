import { performance } from 'node:perf_hooks';
import { openStore } from '../src/gateway/db/store';
import { csvCell, IsoFormatter, CSV_SELECT } from '../src/gateway/services/csv';
const store = openStore('/tmp/bench1m/vigil.db', {});
const db = store.db;
const sql = `SELECT ${CSV_SELECT} FROM sessions s INDEXED BY sessions_time WHERE (s.started_at, s.id) < (@t, @id) ORDER BY s.started_at DESC, s.id DESC LIMIT 5000`;
const batch = db.prepare(sql).raw(true);
console.log(db.prepare('EXPLAIN QUERY PLAN ' + sql).all({t:1,id:1}).map((x:any)=>x.detail).join(' | '));
for (let k = 0; k < 3; k++) {
  let a = performance.now();
  let cursor = { t: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
  let n = 0;
  for (;;) { const r = batch.all(cursor) as any[]; if (r.length === 0) break; n += r.length; const last = r[r.length - 1]; cursor = { t: last[8], id: last[0] }; }
  console.log('fetch only', (performance.now() - a).toFixed(0), n);
  a = performance.now();
  cursor = { t: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
  const s1 = new IsoFormatter(), s2 = new IsoFormatter();
  let bytes = 0;
  for (;;) {
    const rows = batch.all(cursor) as any[]; if (rows.length === 0) break;
    let chunk = '';
    for (const r of rows) {
      chunk += r[0] + ',' + csvCell(r[1]) + ',' + csvCell(r[2]) + ',' + csvCell(r[3]) + ',' + csvCell(r[4]) + ',' + csvCell(r[5]) + ',' + r[6] + ',' + csvCell(r[7]) + ',' + s1.format(r[8]) + ',' + s2.format(r[9]) + ',' + (r[10] ?? '') + ',' + r[11] + (r[12] === 1 ? ',yes\r\n' : ',no\r\n');
    }
    bytes += Buffer.from(chunk).length;
    const last = rows[rows.length - 1]; cursor = { t: last[8], id: last[0] };
  }
  console.log('fetch+format+buffer', (performance.now() - a).toFixed(0), bytes);
}
