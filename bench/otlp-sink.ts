import { createServer } from 'node:http';

/**
 * An OTLP/HTTP collector that reads every POST to its end and answers 200, keeping nothing: the tracing
 * rows' servers export to it, so the rows measure what Kurz spends on spans and their export, not a
 * collector's work. It runs in the bench's own process (not pinned; it sees one batch every 5 s per server).
 */
export async function startOtlpSink(): Promise<{ url: string; spansPosted: () => number; stop: () => Promise<void> }> {
  let posts = 0;
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      posts++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    spansPosted: () => posts,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
