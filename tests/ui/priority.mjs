// priority.mjs (run by run.sh): which priority a connection's thread answers at
// (src/api/server.c): the web UI's files at batchd's own, the API at nice 19. One
// keep-alive connection to BASE asks for /ui/app.js, then /api/v1/openapi.json; after
// each answer batchd's threads (/proc/PID/task) are read while the connection's thread
// is still alive. Prints one JSON line: batchd's own nice (its main thread's), the two
// statuses, and the number of threads and of threads at nice 19 before, after the first
// and after the second answer.
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';

const pid = process.env.PID;
const nices = () => readdirSync(`/proc/${pid}/task`).flatMap((t) => {
  try { return [Number(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16])]; } catch { return []; }
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (path) => new Promise((resolve, reject) => {
  http.get(`${process.env.BASE}${path}`, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }).on('error', reject);
});
const n0 = nices();
const s1 = await get('/ui/app.js');
const n1 = nices();
const s2 = await get('/api/v1/openapi.json');
const n2 = nices();
agent.destroy();
const c19 = (a) => a.filter((n) => n === 19).length;
const base = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16]);
console.log(JSON.stringify({ base, status1: s1, status2: s2, threads0: n0.length, nice19_0: c19(n0), threads1: n1.length,
  nice19_1: c19(n1), threads2: n2.length, nice19_2: c19(n2) }));
