/**
 * Redis for the tests: the shared server (KURZ_TEST_REDIS, default 127.0.0.1:6379; required, never
 * skipped), and private redis-server processes on other ports that a test may kill and restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { redisEndpoint } from '../../src/config/redis-url.js';

export const TEST_REDIS_URL = process.env.KURZ_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test (or run) shares, so suites running at once never see each other's keys. */
export const uniquePrefix = (): string => `kurz-test-${randomBytes(5).toString('hex')}:`;

/** Deletes every key under a test's prefix (best effort: a Redis a test killed is simply skipped). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const endpoint = redisEndpoint(url);
  if (endpoint.kind === 'cluster') return deleteClusterPrefix(endpoint.nodes, prefix);
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1_000 })) {
      if ((keys as string[]).length > 0) await client.del(...(keys as string[]));
    }
  } catch {
    // not reachable: nothing to clean there
  } finally {
    client.disconnect();
  }
}

/** deletePrefix on a Redis Cluster: each master holds some of the keys; each key is deleted alone (keys of several slots cannot go in one DEL). */
async function deleteClusterPrefix(nodes: Array<{ host: string; port: number }>, prefix: string): Promise<void> {
  const cluster = new Cluster(nodes, { lazyConnect: true, clusterRetryStrategy: () => null, redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 1_000 } });
  cluster.on('error', () => {});
  try {
    await cluster.connect();
    for (const node of cluster.nodes('master')) {
      for await (const keys of node.scanStream({ match: `${prefix}*`, count: 1_000 })) {
        for (const key of keys as string[]) await cluster.del(key);
      }
    }
  } catch {
    // not reachable: nothing to clean there
  } finally {
    cluster.disconnect();
  }
}

/** Fails (does not skip) when the shared Redis does not answer. */
export async function assertRedisUp(url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  client.on('error', () => {}); // the failure is reported by connect() below
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(`Redis is required for the tests and is not reachable at ${url}: ${(err as Error).message}`);
  } finally {
    client.disconnect();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of this test's own, on its own port, that can be stopped and started again. */
export class PrivateRedis {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** One on a port of its own, not started yet: for a Kurz that must start before Redis is up. */
  static async unstarted(): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort());
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', `/tmp/private-redis-${this.port}.log`], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      try {
        await assertRedisUp(this.url);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, as with a hung host. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Kills the server at once, as a crash or a network cut would. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    child.kill('SIGCONT'); // a paused server must wake to die
    await exited;
  }
}
