/**
 * A Redis Cluster of the test's own: 3 masters and 3 replicas (redis-server --cluster-enabled yes,
 * joined by redis-cli --cluster create), on free ports, in a temporary directory. A test may SIGKILL
 * a master; its replica is promoted after cluster-node-timeout (1,000 ms here).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './redis.js';

const run = promisify(execFile);
/** A failed master is marked failed after this, and its replica then takes over. */
export const NODE_TIMEOUT_MS = 1_000;

/** Asks one node a command with a fresh connection (a node a test killed answers nothing). */
async function ask(port: number, ...args: string[]): Promise<string> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return String(await client.call(args[0]!, ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

export class PrivateRedisCluster {
  private readonly processes = new Map<number, ChildProcess>();

  private constructor(
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  /** Starts six nodes, joins them (one replica per master) and waits until every node says cluster_state:ok. */
  static async start(): Promise<PrivateRedisCluster> {
    const ports: number[] = [];
    // redis-server also listens on port + 10000 (the cluster bus): keep both free.
    while (ports.length < 6) {
      const port = await freePort();
      const clash = ports.some((p) => p === port || Math.abs(p - port) === 10_000);
      if (port < 55_000 && !clash) ports.push(port);
    }
    const cluster = new PrivateRedisCluster(ports, await mkdtemp(join(tmpdir(), 'kurz-redis-cluster-')));
    try {
      await Promise.all(ports.map((port) => cluster.startNode(port)));
      await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
      await cluster.waitFor(async () => (await cluster.states()).every((s) => s === 'ok'), 'cluster_state:ok on every node');
      await cluster.waitFor(async () => (await cluster.replicasUp()) === 3, 'three replicas in sync');
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The seed nodes, as REDIS_URL names a cluster: several host:port. */
  get url(): string {
    return `redis://${this.ports.slice(0, 3).map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  private async startNode(port: number): Promise<void> {
    const child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
      '--dir', this.dir, '--save', '', '--appendonly', 'no', '--logfile', join(this.dir, `${port}.log`),
    ], { stdio: 'ignore' });
    this.processes.set(port, child);
    await this.waitFor(async () => (await ask(port, 'ping')) === 'PONG', `redis-server on ${port}`);
  }

  private async states(): Promise<string[]> {
    return Promise.all(this.live().map(async (port) => /cluster_state:(\w+)/.exec(await ask(port, 'cluster', 'info').catch(() => ''))?.[1] ?? 'down'));
  }

  /** Replicas whose link to their master is up. */
  private async replicasUp(): Promise<number> {
    const infos = await Promise.all(this.live().map((port) => ask(port, 'info', 'replication').catch(() => '')));
    return infos.filter((info) => /role:slave/.test(info) && /master_link_status:up/.test(info)).length;
  }

  private live(): number[] {
    return [...this.processes].filter(([, child]) => child.exitCode === null && child.signalCode === null).map(([port]) => port);
  }

  private async waitFor(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
      if (await check().catch(() => false)) return;
    }
    throw new Error(`Redis Cluster: no ${what} after ${ms} ms`);
  }

  /** The slot of `key`, as the cluster computes it. */
  async slotOf(key: string): Promise<number> {
    return Number(await ask(this.live()[0]!, 'cluster', 'keyslot', key));
  }

  /** Waits until every replica has applied all its master has written (replication offsets equal). */
  async waitForReplicas(): Promise<void> {
    const offset = (info: string, field: string) => Number(new RegExp(`${field}:(\\d+)`).exec(info)?.[1]);
    await this.waitFor(async () => {
      for (const port of this.live()) {
        const info = await ask(port, 'info', 'replication');
        if (!/role:slave/.test(info)) continue;
        const master = await ask(offset(info, 'master_port'), 'info', 'replication');
        if (offset(info, 'slave_repl_offset') !== offset(master, 'master_repl_offset')) return false;
      }
      return true;
    }, 'replicas in sync');
  }

  /** The nodes serving `key`'s slot now, as CLUSTER SLOTS lists them: the master first, then its replicas. */
  private async nodesOf(key: string): Promise<number[]> {
    const slot = await this.slotOf(key);
    const client = new Redis(this.live()[0]!, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      const ranges = (await client.call('cluster', 'slots')) as Array<[number, number, ...Array<[string, number]>]>;
      const range = ranges.find(([from, to]) => from <= slot && slot <= to);
      if (!range) throw new Error(`no master serves slot ${slot}`);
      return (range.slice(2) as Array<[string, number]>).map(([, port]) => Number(port));
    } finally {
      client.disconnect();
    }
  }

  /** The port of the master serving `key`'s slot now. */
  async masterOf(key: string): Promise<number> {
    return (await this.nodesOf(key))[0]!;
  }

  /**
   * SIGKILLs the master serving `key`, then waits until another node serves its slot and the
   * cluster is ok again. Returns the old and the new master's ports. With `whileReplicaFrozen`, the
   * replica is frozen (SIGSTOP) and its replication link cut while that runs and until the master is
   * dead, so that the replica promoted lacks whatever was written meanwhile: the writes a failover loses.
   */
  async killMasterOf(key: string, whileReplicaFrozen?: () => Promise<void>): Promise<{ killed: number; promoted: number }> {
    // A node learns of a replica by gossip: the node asked may not list it yet.
    let [killed, replica] = [0, 0];
    await this.waitFor(async () => ([killed, replica] = (await this.nodesOf(key)) as [number, number]).length > 1 && replica > 0, `replica of the master of ${key}`, 10_000);
    if (whileReplicaFrozen) {
      this.processes.get(replica)!.kill('SIGSTOP');
      // Frozen alone, the replica would still find the writes in its socket's kernel buffer on waking:
      // cut the link as well (the frozen replica cannot reconnect), so they stay on the master alone.
      await ask(killed, 'client', 'kill', 'type', 'replica');
      try {
        await whileReplicaFrozen();
      } catch (err) {
        this.processes.get(replica)!.kill('SIGCONT');
        throw err;
      }
    }
    const child = this.processes.get(killed)!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    if (whileReplicaFrozen) this.processes.get(replica)!.kill('SIGCONT');
    let promoted = killed;
    await this.waitFor(async () => (promoted = await this.masterOf(key)) !== killed && (await this.states()).every((s) => s === 'ok'), 'failover');
    return { killed, promoted };
  }

  /** Stops every node and removes their files. */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      child.kill('SIGCONT'); // a frozen node must wake to die
      await exited;
    }));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** One cluster for a test file, started on first use (about 8 s): the file calls stop() in its after(). */
export function clusterPerFile(): { get(): Promise<PrivateRedisCluster>; stop(): Promise<void> } {
  let started: Promise<PrivateRedisCluster> | undefined;
  return {
    get: () => (started ??= PrivateRedisCluster.start()),
    stop: async () => void (await (await started?.catch(() => undefined))?.stop()),
  };
}
