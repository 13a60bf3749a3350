import { Server, type IncomingMessage, type RequestListener, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A connection left idle this long during a drain is closed. A client that sends its next request
 * sooner (a keep-alive client in a loop sends it one round trip after the last answer) gets it
 * answered with `Connection: close` instead of a socket closed under its feet.
 */
const IDLE_GRACE_MS = 1_000;
/** How often a drain looks for connections to close. */
const SWEEP_MS = 100;

const kResponse = Symbol('kurz.latestResponse');
const kReadWhenIdle = Symbol('kurz.bytesReadWhenIdle');
const kQuietSince = Symbol('kurz.quietSince');

interface Tracked extends Socket {
  /** The connection's latest response: with pipelining the last one, so the one that closes it. */
  [kResponse]?: ServerResponse;
  /**
   * socket.bytesRead when that response finished (0 before any request): more means a request is
   * arriving.
   */
  [kReadWhenIdle]: number;
  /** During a drain: since when the connection has been idle. */
  [kQuietSince]?: number;
}

function onFinish(this: ServerResponse): void {
  const socket = this.req.socket as Tracked;
  socket[kReadWhenIdle] = socket.bytesRead;
}

/**
 * The node:http server of `kurz serve`, able to drain without cutting a request:
 * - from `drain()` on, every response closes its connection (`Connection: close`), including those
 *   already in progress whose headers have not gone out;
 * - a connection with a response in progress, or with bytes of a request already received, is never
 *   closed by the drain: its request is answered, and the answer closes it;
 * - an idle keep-alive connection is closed (FIN) once it has stayed idle for IDLE_GRACE_MS.
 *
 * node:http's own close() destroys every idle connection at once (Node ≥ 19, via
 * closeIdleConnections()), including those whose client is sending its next request at that
 * instant: that request is lost (issue 11: ten keep-alive clients, ten requests reset). Here
 * closeIdleConnections() begins the drain instead, so close() stops the listener and its 'close'
 * event waits for the drain to close every connection. A close() after drain() calls back with
 * ERR_SERVER_NOT_RUNNING once the drain is done, as node:net does for any second close().
 */
export class DrainingServer extends Server {
  #draining = false;
  #closing = false;
  readonly #connections = new Set<Tracked>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(listener: RequestListener, options: ServerOptions = {}) {
    super(options, (req: IncomingMessage, res: ServerResponse) => {
      (req.socket as Tracked)[kResponse] = res;
      res.on('finish', onFinish);
      if (this.#draining) res.setHeader('connection', 'close');
      listener(req, res);
    });
    this.on('connection', (socket: Tracked) => {
      socket[kReadWhenIdle] = 0;
      this.#connections.add(socket);
      socket.once('close', () => this.#connections.delete(socket));
    });
    this.once('close', () => clearInterval(this.#sweep));
  }

  /** Whether a drain has begun: /readyz answers 503 from then on. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Begins the drain (once; later calls do nothing): stops the listener, emits 'draining', and emits
   * 'close' once every connection is closed. close() begins it too.
   */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const socket of this.#connections) {
      const res = socket[kResponse];
      if (res && !res.headersSent) res.setHeader('connection', 'close');
    }
    // The first sweep comes after a poll of the event loop, so a request whose bytes had already
    // arrived when the drain began has been read and counts as in progress.
    this.#sweep = setInterval(() => this.#closeIdle(), SWEEP_MS).unref();
    // Now, before any answer says Connection: close: a client reconnecting after one is refused
    // (safe to retry), not queued at a listener about to close (reset, its request lost).
    if (!this.#closing && this.listening) this.close();
    this.emit('draining');
  }

  override close(callback?: (err?: Error) => void): this {
    this.#closing = true;
    return super.close(callback);
  }

  /** Called by close(): drains rather than destroying idle connections at once. */
  override closeIdleConnections(): void {
    this.drain();
  }

  #closeIdle(): void {
    const now = performance.now();
    for (const socket of this.#connections) {
      const res = socket[kResponse];
      const busy = (res !== undefined && !res.writableFinished) || socket.bytesRead !== socket[kReadWhenIdle];
      if (busy || socket[kQuietSince] === undefined) socket[kQuietSince] = now;
      else if (now - socket[kQuietSince] >= IDLE_GRACE_MS) socket.destroy();
    }
  }
}
