/**
 * Closed-loop HTTP clients for the shutdown and worker-death tests (and bench/drain.ts): each lane
 * sends one GET after another, on a keep-alive connection of its own or on a fresh connection per
 * request, and records how every attempt ended and how long it took. Nothing is retried, so each
 * attempt is one line of the account.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** How one attempt ended. */
export interface Attempt {
  lane: number;
  /** Its x-request-id, `<prefix>-<lane>-<n>`: the server logs it with the pid that answered. */
  id: string;
  /** The client's local port: attempts of one lane with the same port went over one connection. */
  port?: number;
  /** performance.now() when the attempt began. */
  at: number;
  ms: number;
  /** The status, when a whole response arrived. */
  status?: number;
  /** The response's Connection header, lower-cased ('' when absent). */
  connection?: string;
  /** The error code (ECONNRESET, ECONNREFUSED, timeout …) when none did. */
  error?: string;
  /**
   * Whether the request left the client: false only when the connection was refused (the listener is
   * closed), which any client or proxy can retry safely because the server never saw the request.
   */
  sent: boolean;
}

export interface Lanes {
  /** How many lanes there are. */
  count: number;
  attempts: Attempt[];
  /** Attempts not yet settled. */
  pending: () => number;
  /** Stops every lane after its current attempt; resolves once all have settled. */
  stop: () => Promise<void>;
}

/**
 * Starts `count` lanes against `base` + `path()`. `keepAlive` lanes reuse one connection for as long
 * as the server keeps it open (one Agent each, one socket); the others open a connection per request.
 * An attempt that takes longer than `timeoutMs` is destroyed and recorded as `error: 'timeout'`.
 * After a refused connection a lane waits `refusedPauseMs` before trying again.
 */
export function startLanes(options: {
  base: string;
  path: () => string;
  count: number;
  keepAlive: boolean;
  timeoutMs: number;
  refusedPauseMs?: number;
  headers?: Record<string, string>;
  /** Prefix of the request ids; lane sets started together need different ones. */
  idPrefix?: string;
}): Lanes {
  const attempts: Attempt[] = [];
  let stopping = false;
  let inFlight = 0;

  const once = (lane: number, n: number, agent: Agent | false) => new Promise<void>((resolve) => {
    const at = performance.now();
    const id = `${options.idPrefix ?? 'lane'}-${lane}-${n}`;
    let port: number | undefined;
    inFlight++;
    let settled = false;
    const settle = (outcome: Omit<Attempt, 'lane' | 'id' | 'port' | 'at' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      inFlight--;
      attempts.push({ lane, id, port, at, ms: performance.now() - at, ...outcome });
      resolve();
    };
    const headers = { ...options.headers, 'x-request-id': id, ...(agent ? {} : { connection: 'close' }) };
    const req = request(new URL(options.path(), options.base), { agent, headers });
    req.once('socket', (socket) => {
      if (socket.localPort !== undefined) port = socket.localPort;
      else socket.once('connect', () => (port = socket.localPort));
    });
    const timer = setTimeout(() => {
      settle({ error: 'timeout', sent: true });
      req.destroy();
    }, options.timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      settle({ error: code, sent: code !== 'ECONNREFUSED' });
    });
    req.once('response', (res) => {
      res.resume();
      res.once('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message, sent: true }));
      res.once('end', () => settle({ status: res.statusCode!, connection: String(res.headers.connection ?? '').toLowerCase(), sent: true }));
    });
    req.end();
  });

  const lane = async (n: number) => {
    const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    for (let i = 0; !stopping; i++) {
      await once(n, i, agent);
      const last = attempts.at(-1);
      if (last?.error === 'ECONNREFUSED') await new Promise((r) => setTimeout(r, options.refusedPauseMs ?? 20));
    }
    if (agent) agent.destroy();
  };
  const running = Promise.all(Array.from({ length: options.count }, (_, n) => lane(n)));

  return {
    count: options.count,
    attempts,
    pending: () => inFlight,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

/** Counts of a list of attempts: sent, answered (whole responses), failed after sending, refused, slowest. */
export function tally(attempts: Attempt[]): { sent: number; answered: number; failed: number; refused: number; maxMs: number; errors: Record<string, number> } {
  const errors: Record<string, number> = {};
  for (const a of attempts) if (a.error) errors[a.error] = (errors[a.error] ?? 0) + 1;
  return {
    sent: attempts.filter((a) => a.sent).length,
    answered: attempts.filter((a) => a.status !== undefined).length,
    failed: attempts.filter((a) => a.sent && a.status === undefined).length,
    refused: attempts.filter((a) => !a.sent).length,
    maxMs: Math.round(Math.max(0, ...attempts.map((a) => a.ms))),
    errors,
  };
}

/** How a connection ended: a clean close by the server (FIN), a reset (RST), or still open. */
export type Ending = 'fin' | 'rst' | 'open';

export interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw HTTP/1.1 connection, for what node:http's client hides: whether the server ended it with a
 * FIN or a reset, and a request held half-sent across a signal. Every response it reads must carry a
 * Content-Length (all of Kurz's do).
 */
export interface RawConnection {
  /** Writes bytes as they are (a request, or part of one). */
  write: (text: string) => void;
  /** The next whole response on the connection. */
  response: () => Promise<RawResponse>;
  /** `GET path` with keep-alive, and its response. */
  get: (path: string) => Promise<RawResponse>;
  /** How the connection ended, once it has. */
  closed: Promise<Ending>;
  /** Bytes received that were not part of a response read with response(). */
  strayBytes: () => number;
  /** Closes the connection from this side (FIN). */
  end: () => void;
}

export async function rawConnection(base: string): Promise<RawConnection> {
  const url = new URL(base);
  const socket: Socket = connect(Number(url.port), url.hostname);
  let ending: Ending = 'open';
  let buffer = Buffer.alloc(0);
  let waiting: ((res: RawResponse) => void) | undefined;
  const closed = new Promise<Ending>((resolve) => {
    socket.once('end', () => {
      ending = 'fin';
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') ending = 'rst';
    });
    socket.once('close', () => resolve(ending));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  const parse = (): RawResponse | undefined => {
    const head = buffer.indexOf('\r\n\r\n');
    if (head === -1) return undefined;
    const [statusLine, ...lines] = buffer.subarray(0, head).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (buffer.length < head + 4 + length) return undefined;
    const body = buffer.subarray(head + 4, head + 4 + length).toString('utf8');
    buffer = buffer.subarray(head + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), headers, body };
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!waiting) return;
    const res = parse();
    if (res) {
      const resolve = waiting;
      waiting = undefined;
      resolve(res);
    }
  });

  const response = () => new Promise<RawResponse>((resolve, reject) => {
    const res = parse();
    if (res) return resolve(res);
    waiting = resolve;
    void closed.then((how) => reject(new Error(`the connection ended (${how}) before a whole response`)));
  });
  const write = (text: string) => void socket.write(text);
  return {
    write,
    response,
    get: (path) => {
      write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      return response();
    },
    closed,
    strayBytes: () => buffer.length,
    end: () => void socket.end(),
  };
}
