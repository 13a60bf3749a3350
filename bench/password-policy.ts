/**
 * What the password policy costs: the first check loads zxcvbn-ts and its dictionaries (time, heap,
 * RSS), then each check runs on the event loop (median and worst of `--rounds` checks per password,
 * typical and worst-case patterns of up to 256 characters).
 *
 *   node --import tsx bench/password-policy.ts [--rounds 20]
 */
import { parseArgs } from 'node:util';
import { passwordWeakness } from '../src/security/password-policy.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

global.gc?.();
const before = process.memoryUsage();
let started = performance.now();
await passwordWeakness('the first check loads the dictionaries', 'bench@example.com');
const loadMs = performance.now() - started;
global.gc?.();
const after = process.memoryUsage();
console.log(`first check (load): ${loadMs.toFixed(0)} ms, heap +${mb(after.heapUsed - before.heapUsed)} MiB, rss +${mb(after.rss - before.rss)} MiB`);

const passwords = {
  'correct horse': 'correct horse',
  'password': 'password',
  '12345678': '12345678',
  'random 12': 'Xk9#mQ2pz!4L',
  'a × 256': 'a'.repeat(256),
  'abcd × 64': 'abcd'.repeat(64),
  '1q2w3e4r5t6y × 21': '1q2w3e4r5t6y'.repeat(21),
  'Password1! × 25': 'Password1!'.repeat(25),
  'P@$$w0rd!1l| × 20': 'P@$$w0rd!1l|'.repeat(20),
  '19901991… × 12': '19901991199219931994'.repeat(12),
};
console.log('| password | median ms | worst ms |\n|---|---|---|');
for (const [name, password] of Object.entries(passwords)) {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    started = performance.now();
    await passwordWeakness(password, 'bench@example.com');
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(1)} | ${times[times.length - 1]!.toFixed(1)} |`);
}
