/**
 * The ceiling: a bare node:http server that looks a code up in a Map and answers 301 with Location
 * (404 for a code it does not know), echoing x-request-id as Kurz does (the bench's check reads it).
 * Nothing Kurz does can be faster on this machine; every Kurz row is reported as a ratio to it.
 *   node --import tsx bench/ceiling-server.ts <codes-file> → prints "listening <port>"
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const targets = new Map<string, string>();
for (const code of readFileSync(process.argv[2]!, 'utf8').split('\n')) {
  if (code) targets.set(code, `https://example.com/${code}`);
}

const server = createServer((req, res) => {
  const target = targets.get(req.url!.slice(1));
  const id = req.headers['x-request-id'] ?? '';
  if (target === undefined) {
    res.writeHead(404, { 'x-request-id': id, 'content-length': 0 }).end();
    return;
  }
  res.writeHead(301, { 'x-request-id': id, location: target, 'content-length': 0 }).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
