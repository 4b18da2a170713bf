import { benchSsh } from './ssh';
const rows = await benchSsh({
  keystrokes: Number(process.env.KS ?? 400),
  bulkBytes: Number(process.env.BYTES ?? 100e6),
  concurrentSessions: Number(process.env.CS ?? 2),
  concurrentSeconds: 1,
  log: (l) => console.log(l),
});
void rows;
