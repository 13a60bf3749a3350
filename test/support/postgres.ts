/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary folder, its own port and socket folder),
 * which the test may restart, stop, start and pause (SIGSTOP) without touching the shared server.
 * initdb and the server refuse to run as root, so they run as the `postgres` user when we are root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis.js';

/** Where initdb and pg_ctl live: KURZ_TEST_PG_BIN, else what pg_config says, else Debian's PostgreSQL 15. */
function binDir(): string {
  if (process.env.KURZ_TEST_PG_BIN) return process.env.KURZ_TEST_PG_BIN;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/lib/postgresql/15/bin';
  }
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program to completion, as the postgres user when we are root; throws with its output on failure. */
function run(program: string, args: string[]): string {
  const path = join(binDir(), program);
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export class PrivatePostgres {
  private paused = false;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /**
   * initdb (a few seconds: share one cluster across the tests of a file) and start. With `replication`,
   * a primary a standby can stream from (startStandby): `wal_level = replica` and replication trusted on loopback.
   */
  static async start(options: { replication?: boolean } = {}): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'kurz-pg-'));
    if (isRoot) {
      const { uid, gid } = postgresUser();
      chownSync(dir, uid, gid);
    }
    const cluster = new PrivatePostgres(dir, await freePort());
    run('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    // A test cluster: no fsync (nothing here must survive a power cut), few connections, quiet logs.
    writeFileSync(join(cluster.dataDir, 'postgresql.auto.conf'), [
      `port = ${cluster.port}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${dir}'`,
      'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 50', 'shared_buffers = 16MB',
      ...(options.replication ? ['wal_level = replica', 'max_wal_senders = 5', 'hot_standby = on'] : []),
      '',
    ].join('\n'));
    // initdb's pg_hba.conf trusts loopback replication already with --auth=trust; said here, so it does not rest on a default.
    if (options.replication) appendFileSync(join(cluster.dataDir, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
    if (isRoot) {
      const { uid, gid } = postgresUser();
      chownSync(join(cluster.dataDir, 'postgresql.auto.conf'), uid, gid);
    }
    cluster.startServer();
    return cluster;
  }

  /**
   * A streaming standby of this cluster (started with `replication`), on a port and folder of its own:
   * `pg_basebackup -R -X stream -c fast` (a spread checkpoint would take minutes) from this server over loopback, then started; it replays this one's
   * WAL continuously and answers reads only. destroy() it before this one.
   */
  async startStandby(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'kurz-pg-standby-'));
    if (isRoot) {
      const { uid, gid } = postgresUser();
      chownSync(dir, uid, gid);
    }
    const standby = new PrivatePostgres(dir, await freePort());
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-D', standby.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    // The copy's postgresql.auto.conf names the primary's port and socket folder; later lines win.
    appendFileSync(join(standby.dataDir, 'postgresql.auto.conf'), [`port = ${standby.port}`, `unix_socket_directories = '${dir}'`, 'hot_standby = on', ''].join('\n'));
    standby.startServer();
    return standby;
  }

  /** On a standby: stops applying the WAL it receives (pg_wal_replay_pause), so its data stays as it is now. */
  async pauseReplay(database = 'postgres'): Promise<void> {
    await this.query(database, 'select pg_wal_replay_pause()');
  }

  /** On a standby: applies the WAL again, catching up. */
  async resumeReplay(database = 'postgres'): Promise<void> {
    await this.query(database, 'select pg_wal_replay_resume()');
  }

  /** On a standby: resolves once it has replayed everything `primary` had written when called. */
  async caughtUpWith(primary: PrivatePostgres, timeoutMs = 60_000): Promise<void> {
    const [{ lsn }] = await primary.query<{ lsn: string }>('postgres', 'select pg_current_wal_lsn()::text as lsn');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [{ behind }] = await this.query<{ behind: boolean }>('postgres', 'select pg_last_wal_replay_lsn() < $1::pg_lsn as behind', [lsn]);
      if (!behind) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the standby on port ${this.port} did not replay up to ${lsn} in ${timeoutMs} ms`);
  }

  /** One statement on a database of this cluster, on a connection of its own. */
  async query<R extends object>(database: string, text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** The server's log file, for assertion messages. */
  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  /** A connection URL for a database of this cluster (`postgres` by default). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  private startServer(): void {
    run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** `pg_ctl restart -m fast`: every connection is terminated, then the server comes back. */
  restart(): void {
    run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-m', 'fast', 'restart']);
  }

  /** `pg_ctl stop -m fast`: connections are terminated and nothing listens until start(). */
  stop(): void {
    run('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', '-m', 'fast', 'stop']);
  }

  start(): void {
    this.startServer();
  }

  /**
   * Freezes the whole cluster, the postmaster and every backend (SIGSTOP), as a hung host would: the
   * kernel still accepts connections and takes queries, but nothing answers until resume().
   */
  pause(): void {
    const postmaster = this.postmasterPid();
    process.kill(postmaster, 'SIGSTOP'); // first, so that it forks no backend the loop below would miss
    for (const pid of childrenOf(postmaster)) process.kill(pid, 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    const postmaster = this.postmasterPid();
    for (const pid of childrenOf(postmaster)) process.kill(pid, 'SIGCONT');
    process.kill(postmaster, 'SIGCONT');
    this.paused = false;
  }

  /** Brings the server back to serving whatever a test left it in (paused, stopped): for the test's clean-up. */
  recover(): void {
    if (this.paused) this.resume();
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) this.startServer();
  }

  /** Stops the server at once (resuming it first if paused) and removes its folder. */
  destroy(): void {
    try {
      if (this.paused) this.resume();
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) run('pg_ctl', ['-D', this.dataDir, '-w', '-m', 'immediate', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private postmasterPid(): number {
    return Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }
}

function postgresUser(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  };
}

/** The processes whose parent is `pid` (a postmaster's backends and helpers), from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent's pid; the command (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}
