import { performance } from 'node:perf_hooks';
import { openStore } from '../src/gateway/db/store';
import { csvCell, IsoFormatter, CSV_SELECT } from '../src/gateway/services/csv';
const store = openStore('/tmp/bench1m/vigil.db', {});
const db = store.db;
const sql = `SELECT ${CSV_SELECT} FROM sessions s INDEXED BY sessions_time ORDER BY s.started_at DESC, s.id DESC`;
const batch = db.prepare(sql.replace('ORDER BY', 'WHERE (s.started_at < @t OR (s.started_at = @t AND s.id < @id)) ORDER BY') + ' LIMIT 2000').raw(true);
let a = performance.now();
const rows: any[] = [];
let cursor = { t: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
for (;;) { const r = batch.all(cursor) as any[]; if (r.length === 0) break; for (const x of r) rows.push(x); const last = r[r.length - 1]; cursor = { t: last[8], id: last[0] }; }
console.log('fetch', performance.now() - a, rows.length);
for (let k = 0; k < 3; k++) {
a = performance.now();
const s1 = new IsoFormatter(), s2 = new IsoFormatter();
let chunk = ''; let total = 0;
for (const r of rows) {
  chunk += `${r[0]},${csvCell(r[1])},${csvCell(r[2])},${csvCell(r[3])},${csvCell(r[4])},${csvCell(r[5])},${r[6]},${csvCell(r[7])},${s1.format(r[8])},${s2.format(r[9])},${r[10] ?? ''},${r[11]},${r[12] === 1 ? 'yes' : 'no'}\r\n`;
  if (chunk.length >= 65536) { total += Buffer.byteLength(chunk); chunk = ''; }
}
console.log('format', performance.now() - a, total);
a = performance.now();
for (const r of rows) { s1.format(r[8]); s2.format(r[9]); }
console.log('iso only', performance.now() - a);
a = performance.now(); let z = 0;
for (const r of rows) { z += csvCell(r[1]).length + csvCell(r[2]).length + csvCell(r[3]).length + csvCell(r[4]).length + csvCell(r[5]).length + csvCell(r[7]).length; }
console.log('cells only', performance.now() - a, z);
}
