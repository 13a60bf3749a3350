/**
 * Every setting of Kurz, written once: its name, default, parser, unit and meaning. The config object
 * (and its type), the flags of `kurz serve` and README's configuration table all come from this table
 * (`npm run docs:settings` rewrites README; test/unit/config-readme.test.ts fails when they differ).
 * The table's shape is the config object's shape; its order is README's. Units: see ./setting.ts.
 *
 * To add a setting: add a row where it belongs, run `npm run docs:settings`, and read the value from
 * the config object (its type follows).
 */
import { ConfigError } from './config-error.js';
import { group, setting, type ValueOf } from './setting.js';
import * as parse from './parsers.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** OTEL_TRACES_SAMPLER's values, as the OpenTelemetry specification names them. */
const TRACES_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

const SQLITE_SYNCHRONOUS = ['full', 'normal'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

/** PostgreSQL's connection pool: what bounds every wait for the store (SQLite answers in-process). */
const POSTGRES_POOL = {
  timeoutMs: setting({
    name: 'DATABASE_TIMEOUT_MS', unit: 'ms', default: '5000', parse: parse.int(100, 600_000),
    meaning: 'PostgreSQL: a store call (waiting for a connection, then its statement) fails after this long and the request answers 503; each further statement of a transaction gets as long again',
  }),
  poolSize: setting({
    name: 'DATABASE_POOL_SIZE', default: '10', parse: parse.int(1, 1000),
    meaning: 'PostgreSQL connections per process (`--workers N` opens N pools)',
  }),
  maxWaiting: setting({
    name: 'DATABASE_MAX_WAITING', default: '1000', parse: parse.int(0, 1_000_000),
    meaning: 'PostgreSQL: store calls that may wait for a connection while all are busy; past it a request answers 503 at once (load shedding)',
  }),
};

export type PostgresPool = ValueOf<typeof POSTGRES_POOL>;

/** A streaming replica for reads that may be a little stale (docs/DESIGN.md#read-replica). */
export interface ReadReplica {
  /** postgres:// URL of the standby. */
  url: string;
  /** Past this replay lag the replica is not read from. */
  maxLagMs: number;
}

/** The store DATABASE_URL names, with its own options only. */
export type Database =
  // file ':memory:' keeps everything in memory (tests). synchronous: when a commit is on disk (see SQLITE_SYNCHRONOUS).
  | { kind: 'sqlite'; file: string; synchronous: SqliteSynchronous }
  | ({ kind: 'postgres'; url: string; replica?: ReadReplica } & PostgresPool);

export const SETTINGS_TABLE = {
  port: setting({ name: 'PORT', default: '8080', parse: parse.int(0, 65535), meaning: 'TCP port' }),
  host: setting({ name: 'HOST', default: '127.0.0.1', parse: parse.text, meaning: 'interface to listen on (`0.0.0.0` for every interface)' }),
  baseUrl: setting({
    name: 'BASE_URL', default: 'http://localhost:$PORT', parse: parse.baseUrl, keepEmpty: true,
    meaning: 'public origin of short links: `short_url` is `BASE_URL/code`; links to this host are refused (redirect loops), at any port and in any spelling (`localhost` and `[::ffff:127.0.0.1]` for `127.0.0.1`)',
  }),
  unknownHosts: setting({
    name: 'UNKNOWN_HOSTS', default: 'not-found', parse: parse.oneOf(['not-found', 'default']),
    meaning: 'what a short URL asked for under a host that is neither BASE_URL\'s nor a registered domain answers: `not-found` (404), or `default`: served as BASE_URL\'s domain (a proxy that does not pass the Host header on). The host is the `Host` header, or `X-Forwarded-Host` from an address TRUST_PROXY trusts',
  }),
  database: group({
    url: setting({
      name: 'DATABASE_URL', default: 'sqlite:./data/kurz.db', parse: parse.databaseUrl, keepEmpty: true,
      meaning: '`sqlite:<file>` for the embedded store, `postgres://user@host:5432/db` for PostgreSQL',
    }),
    pool: POSTGRES_POOL,
    readUrl: setting({
      name: 'DATABASE_READ_URL', parse: parse.databaseUrl,
      meaning: 'PostgreSQL only: `postgres://…` of a streaming replica that serves redirect misses and link stats; the API reads its own writes from DATABASE_URL, and a replica that lags or fails is not read from until it is healthy. See [docs/OPERATIONS.md](docs/OPERATIONS.md#postgresql-read-replica)',
    }),
    readMaxLagMs: setting({
      name: 'DATABASE_READ_MAX_LAG_MS', unit: 'ms', default: '1000', parse: parse.int(50, 600_000),
      meaning: 'DATABASE_READ_URL: reads go to the primary while the replica\'s replay is this far behind it (polled every quarter of it, at most every second)',
    }),
    synchronous: setting({
      name: 'SQLITE_SYNCHRONOUS', default: 'full', parse: parse.oneOf(SQLITE_SYNCHRONOUS),
      meaning: '`full`: a write is acknowledged only once SQLite\'s WAL is fsynced, so it survives a power cut. `normal`: fsync at checkpoints only; faster writes, but a power cut can roll back acknowledged ones (a crash of the process cannot). See [docs/DESIGN.md](docs/DESIGN.md#store)',
    }),
  }, ({ url, pool, readUrl, readMaxLagMs, synchronous }): Database => {
    if (readUrl?.kind === 'sqlite') throw new ConfigError('DATABASE_READ_URL', 'must be a postgres:// URL of a streaming replica');
    if (url.kind === 'sqlite') {
      if (readUrl) throw new ConfigError('DATABASE_READ_URL', 'needs PostgreSQL: DATABASE_URL names SQLite, which has no replicas');
      return { kind: 'sqlite', file: url.file, synchronous };
    }
    return { kind: 'postgres', url: url.url, ...pool, ...(readUrl && { replica: { url: readUrl.url, maxLagMs: readMaxLagMs } }) };
  }),
  redisUrl: setting({
    name: 'REDIS_URL', parse: parse.redisUrl,
    meaning: '`redis://host:6379`: a shared second cache level and cross-instance invalidation. Unset keeps everything in-process. Kurz keeps serving if Redis goes away. A Redis Cluster: its seed nodes, `redis://a:7000,b:7001,c:7002` or `redis+cluster://host:7000` (`rediss` for TLS; database 0 only; see [docs/OPERATIONS.md](docs/OPERATIONS.md#redis-cluster))',
  }),
  redisPrefix: setting({
    name: 'REDIS_PREFIX', default: 'kurz:', parse: parse.text,
    meaning: 'prefix of every Redis key and channel; the instances of one deployment share it',
  }),
  redisTimeoutMs: setting({
    name: 'REDIS_TIMEOUT_MS', unit: 'ms', default: '200', parse: parse.int(5, 10_000),
    meaning: 'every Redis command fails after this; 5 failures in a row open a circuit breaker for 5 s',
  }),
  cache: {
    ttlMs: setting({
      name: 'CACHE_TTL_SECONDS', formerly: 'CACHE_TTL', unit: 'seconds', default: '3600', parse: parse.secondsAsMs(1, 30 * 86_400),
      meaning: 'seconds a link stays in Redis (±10% jitter)',
    }),
    l1TtlMs: setting({
      name: 'CACHE_L1_TTL_SECONDS', formerly: 'CACHE_L1_TTL', unit: 'seconds', default: '5', parse: parse.secondsAsMs(1, 3600),
      meaning: 'seconds a link stays in the in-process cache: the bound on staleness when an invalidation is missed (Redis down, or PostgreSQL without Redis). On SQLite without Redis none can be missed, and entries stay `CACHE_TTL_SECONDS`',
    }),
    negativeTtlMs: setting({
      name: 'CACHE_NEGATIVE_TTL_SECONDS', formerly: 'CACHE_NEGATIVE_TTL', unit: 'seconds', default: '30', parse: parse.secondsAsMs(1, 3600),
      meaning: 'seconds an unknown code is remembered as unknown (creating it clears that at once)',
    }),
    l1MaxEntries: setting({
      name: 'CACHE_L1_MAX_ENTRIES', default: '100000', parse: parse.int(100, 10_000_000),
      meaning: 'in-process cache size in entries …',
    }),
    l1MaxBytes: setting({
      name: 'CACHE_L1_MAX_BYTES', unit: 'bytes', default: '67108864', parse: parse.int(1024 * 1024, 4 * 1024 * 1024 * 1024),
      meaning: '… and in bytes (64 MiB); the least recently used entries go first',
    }),
  },
  /** A CDN in front of the redirects (docs/DESIGN.md, Edge caches): how long it may keep a permanent one, and whom to tell of an edit. */
  cdn: {
    maxAgeSeconds: setting({
      name: 'CDN_MAX_AGE_SECONDS', unit: 'seconds', default: '0', parse: parse.int(0, 31_536_000),
      meaning: 'seconds a CDN may keep a permanent redirect (`Surrogate-Control` and `CDN-Cache-Control: max-age`, with `Surrogate-Key` and `Cache-Tag` naming the link), longer than browsers\' hour since CDN_PURGE_URL tells it of edits. Every other answer then says `CDN-Cache-Control: no-store`. `0`: no CDN headers at all',
    }),
    purgeUrl: setting({
      name: 'CDN_PURGE_URL', parse: parse.httpUrl,
      meaning: 'http(s) URL POSTed after an edit or deletion of a link a CDN may keep, naming it (see CDN_PURGE_STYLE); never delays or fails the edit. Unset: nothing is purged',
    }),
    purgeStyle: setting({
      name: 'CDN_PURGE_STYLE', default: 'json', parse: parse.oneOf(['json', 'fastly', 'cloudflare']),
      meaning: 'the purge request: `json` (`{"keys":[…],"urls":[…]}`), `fastly` (a `Surrogate-Key` header, to `https://api.fastly.com/service/<id>/purge`) or `cloudflare` (`{"tags":[…]}`, to `https://api.cloudflare.com/client/v4/zones/<zone>/purge_cache`)',
    }),
    purgeToken: setting({
      name: 'CDN_PURGE_TOKEN', parse: parse.text,
      meaning: 'secret sent with each purge: `Fastly-Key` for `fastly`, `Authorization: Bearer` otherwise; never logged',
    }),
    purgeTimeoutMs: setting({
      name: 'CDN_PURGE_TIMEOUT_MS', unit: 'ms', default: '5000', parse: parse.int(100, 60_000),
      meaning: 'each purge attempt fails after this long; failed ones are retried 5 times (0.5 s doubling, with jitter), and 5 failed attempts in a row stop purges for 30 s',
    }),
  },
  trustProxy: setting({
    name: 'TRUST_PROXY', default: 'false', shown: 'unset', parse: parse.trustProxy,
    meaning: 'proxies whose `X-Forwarded-For` is believed: a hop count (`1`) or addresses/CIDRs (`127.0.0.1,10.0.0.0/8`, `loopback`). Unset: the client is the socket\'s peer',
  }),
  /** Token-bucket limit of each class of rate limits (its own bucket per client); null turns the class off. */
  rateLimits: {
    redirect: setting({
      name: 'RATE_REDIRECT', default: '600:100', parse: parse.rate,
      meaning: 'redirects per client IP: a burst of 600, then 100 a second (`capacity:refillPerSecond`; `off` disables a class)',
    }),
    notFound: setting({
      name: 'RATE_NOT_FOUND', default: '30:0.5', parse: parse.rate,
      meaning: 'unknown-code 404s per client IP (against enumeration): 30, then one every 2 s; past it, 429',
    }),
    api: setting({
      name: 'RATE_API', default: '300:5', parse: parse.rate,
      meaning: 'API calls per user, per API key, or per IP when anonymous: 300, then 5 a second',
    }),
    createLink: setting({
      name: 'RATE_CREATE_LINK', default: '60:1', parse: parse.rate,
      meaning: 'links created per user: 60, then one a second',
    }),
    authIp: setting({
      name: 'RATE_AUTH_IP', default: '20:0.2', parse: parse.rate,
      meaning: 'sign-ups and sign-ins per client IP: 20, then one every 5 s',
    }),
    // Failed password checks only (docs/DESIGN.md, Sign-in limits): loose per email, so that guessers
    // elsewhere do not lock the owner out; tight per email and client IP.
    authEmail: setting({
      name: 'RATE_AUTH_EMAIL', default: '100:0.1', parse: parse.rate,
      meaning: 'failed sign-ins per email, from every address (against guessing from many addresses): 100, then 6 a minute. Right passwords spend nothing; past it the account is refused for everyone until it refills (see [docs/DESIGN.md](docs/DESIGN.md#sign-in-limits))',
    }),
    authEmailIp: setting({
      name: 'RATE_AUTH_EMAIL_IP', default: '5:0.0167', parse: parse.rate,
      meaning: 'failed sign-ins (and sign-ups) per email and client IP: 5, then about one a minute. A guesser\'s address is cut off while the owner\'s own still signs in',
    }),
    // Wrong passwords of a protected link per (link, client IP). 5 at once lets a visitor mistype a
    // few times without waiting; then one every 12 s (5 a minute) holds one address to 300 guesses an
    // hour. A right password spends nothing, so the link's rightful visitors are never locked out.
    linkPassword: setting({
      name: 'RATE_LINK_PASSWORD', default: '5:0.0833', parse: parse.rate,
      meaning: 'wrong passwords of a password-protected link per link and client IP: 5, then one every 12 s; past it, 429 and the form says how long to wait. Right passwords spend nothing',
    }),
    qr: setting({
      name: 'RATE_QR', default: '30:0.5', parse: parse.rate,
      meaning: 'QR codes rendered per user (an image served from the in-process cache of recent ones is not counted): 30, then one every 2 s. A 2048-pixel PNG is about 0.6 s of a core, rendered in a worker thread',
    }),
  },
  clicks: {
    analytics: setting({
      name: 'ANALYTICS', default: 'on', parse: parse.onOff('on', 'off'),
      meaning: '`off`: record no clicks at all (links with `max_clicks` are still counted, to enforce the limit)',
    }),
    batchSize: setting({
      name: 'CLICK_BATCH_SIZE', default: '5000', parse: parse.int(1, 100_000),
      meaning: 'clicks are applied to the rollups in batches of this many (one transaction, one row per distinct link, hour and visitor) …',
    }),
    flushMs: setting({
      name: 'CLICK_FLUSH_MS', unit: 'ms', default: '1000', parse: parse.int(10, 60_000),
      meaning: '… or after this long (and always on shutdown)',
    }),
    maxBuffered: setting({
      name: 'CLICK_BUFFER_MAX', default: '200000', parse: parse.int(100, 10_000_000),
      meaning: 'hard bound of the in-process click buffer while the store is unavailable; past it clicks are dropped, each counted in `kurz_click_events_total{outcome="dropped"}` and logged.',
    }),
    countryHeader: setting({
      name: 'COUNTRY_HEADER', default: 'cf-ipcountry', parse: parse.lowercase,
      meaning: 'header with the visitor\'s country, set by your proxy; read only when `TRUST_PROXY` is set. No IP address is stored',
    }),
    retentionDays: setting({
      name: 'ANALYTICS_RETENTION_DAYS', unit: 'days', default: '30', parse: parse.int(1, 3650),
      meaning: 'hourly click rollups older than this are folded into daily ones',
    }),
    dedupeDays: setting({
      name: 'CLICK_DEDUPE_DAYS', unit: 'days', default: '7', parse: parse.int(1, 365),
      meaning: 'how long applied click ids are remembered, so that a redelivered click is never counted twice',
    }),
    streamMaxLen: setting({
      name: 'CLICK_STREAM_MAXLEN', default: '1000000', parse: parse.int(1000, 100_000_000),
      meaning: 'with Redis: approximate cap on the click stream\'s entries (each the clicks of one event-loop turn, at most 100): a guard on Redis memory if no worker consumes',
    }),
    streamRetain: setting({
      name: 'CLICK_STREAM_RETAIN', default: '50000', parse: parse.int(0, 10_000_000),
      meaning: 'with Redis: clicks a process keeps a copy of until a consumer has applied them, to append them again if Redis comes back empty (about 300 bytes each). Past it the oldest copies are let go (counted in `kurz_click_events_total{outcome="unprotected"}`): a backlog that large is left to Redis alone. `0` keeps none',
    }),
    consumer: setting({
      name: 'CLICK_CONSUMER', default: 'on', parse: parse.onOff('on', 'off'),
      meaning: 'with Redis: `off` leaves consuming the click stream to `kurz worker` processes',
    }),
    claimIdleMs: setting({
      name: 'CLICK_CLAIM_IDLE_MS', unit: 'ms', default: '30000', parse: parse.int(100, 3_600_000),
      meaning: 'with Redis: a batch left pending this long by a dead worker is taken over by another',
    }),
  },
  // Unset only on SQLite, where resolveConfig (./jwt-secret.ts) generates one and keeps it in the data folder.
  jwtSecret: setting({
    name: 'JWT_SECRET', shown: 'generated', parse: parse.jwtSecret,
    meaning: 'HS256 key of access tokens, at least 32 characters. Unset on SQLite: generated once and kept in `data/jwt-secret` (mode 0600). Required with PostgreSQL, the same on every instance',
  }),
  logLevel: setting({
    name: 'LOG_LEVEL', default: 'info', parse: parse.oneOf(LOG_LEVELS),
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
  }),
  logRequests: setting({
    name: 'LOG_REQUESTS', default: '1', parse: parse.fraction,
    meaning: 'share of API and other requests logged: `1` logs each request\'s start and end; a fraction such as `0.01` logs that share of completions in one line each (5xx always); `0` none',
  }),
  logRedirects: setting({
    name: 'LOG_REDIRECTS', default: '0.01', parse: parse.fraction,
    meaning: 'share of redirects (`GET /:code`) logged, one line each (5xx always): the high-volume path is sampled by default; `1` logs every one',
  }),
  signup: setting({
    name: 'SIGNUP', default: 'open', parse: parse.oneOf(['open', 'closed']),
    meaning: '`closed`: only admins create accounts (`POST /api/v1/users` with an admin token, or `kurz user create`)',
  }),
  accessTokenTtlSeconds: setting({
    name: 'ACCESS_TOKEN_TTL_SECONDS', formerly: 'ACCESS_TOKEN_TTL', unit: 'seconds', default: '900', parse: parse.int(30, 86_400),
    meaning: 'seconds an access token lives',
  }),
  refreshTokenTtlSeconds: setting({
    name: 'REFRESH_TOKEN_TTL_SECONDS', formerly: 'REFRESH_TOKEN_TTL', unit: 'seconds', default: '2592000', parse: parse.int(60, 365 * 86_400),
    meaning: 'seconds a refresh token lives (30 days)',
  }),
  bodyLimitBytes: setting({
    name: 'BODY_LIMIT_BYTES', formerly: 'BODY_LIMIT', unit: 'bytes', default: '65536', parse: parse.int(1024, 10 * 1024 * 1024),
    meaning: 'largest request body in bytes (413 above)',
  }),
  importMaxBytes: setting({
    name: 'IMPORT_MAX_BYTES', unit: 'bytes', default: '104857600', parse: parse.int(1024, 10 * 1024 * 1024 * 1024),
    meaning: 'largest export file `POST /api/v1/imports` takes (100 MiB; 413 above); streamed to a temporary file, never held in memory',
  }),
  codeLength: setting({
    name: 'CODE_LENGTH', default: '7', parse: parse.int(5, 32),
    meaning: 'length of random codes (62^7 ≈ 3.5·10^12)',
  }),
  blockedDomains: setting({
    name: 'BLOCKED_DOMAINS', default: '', shown: 'empty', parse: parse.domains,
    meaning: 'comma-separated domains (and their subdomains) that links may not point to',
  }),
  allowPrivateUrls: setting({
    name: 'ALLOW_PRIVATE_URLS', default: 'false', parse: parse.onOff('true', 'false'),
    meaning: '`true` lets links point at private, loopback and link-local addresses (10/8, 172.16/12, 192.168/16, 100.64/10, 127/8, 169.254/16, ::1, fc00::/7, fe80::/10) and local names (`localhost`, `*.local`, `*.internal`, single-label hosts): for an intranet shortener. Links to Kurz\'s own host stay refused',
  }),
  shutdownTimeoutMs: setting({
    name: 'SHUTDOWN_TIMEOUT_SECONDS', formerly: 'SHUTDOWN_TIMEOUT', unit: 'seconds', default: '10', parse: parse.secondsAsMs(1, 600),
    meaning: 'seconds SIGTERM waits for in-flight requests before exiting 1',
  }),
  requestTimeoutMs: setting({
    name: 'REQUEST_TIMEOUT_SECONDS', formerly: 'REQUEST_TIMEOUT', unit: 'seconds', default: '30', parse: parse.secondsAsMs(1, 3600),
    meaning: 'seconds a client has to send a whole request, headers and body (headers alone: 10 s, or this if shorter); past it, 408 and the connection is closed. Does not bound the response',
  }),
  maxConnections: setting({
    name: 'MAX_CONNECTIONS', default: '10000', parse: parse.int(1, 1_000_000),
    meaning: 'open connections per process; past it a new connection is closed at once (counted in `kurz_connections_dropped_total`). About 7 KB of memory per idle connection. Keep it below the process\'s file-descriptor limit (`ulimit -n`)',
  }),
  metricsToken: setting({
    name: 'METRICS_TOKEN', parse: parse.metricsToken,
    meaning: '`GET /metrics` needs `Authorization: Bearer <token>` (16+ characters). Unset: `/metrics` answers only clients on the same host that came through no proxy (no `X-Forwarded-For`, `Forwarded` or `X-Real-IP`), 403 otherwise',
  }),
  idleGcMs: setting({
    name: 'IDLE_GC_SECONDS', formerly: 'IDLE_GC', unit: 'seconds', default: '10', parse: parse.secondsAsMs(0, 3600),
    meaning: 'seconds of quiet (the event loop under 1% busy) after which a process whose heap grew by 16 MiB or more runs one full garbage collection that shrinks the heap, so memory comes back after a busy period; it pauses the process for about a third of a second. `0`: only V8 decides (see [docs/PERFORMANCE.md](docs/PERFORMANCE.md#memory-over-time))',
  }),
  tracing: {
    endpoint: setting({
      name: 'OTEL_EXPORTER_OTLP_ENDPOINT', parse: parse.httpUrl,
      meaning: 'OpenTelemetry tracing: the OTLP/HTTP collector (spans go to `<it>/v1/traces`). Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset): no tracing, and the SDK is not even loaded. See [docs/OPERATIONS.md](docs/OPERATIONS.md#tracing)',
    }),
    tracesEndpoint: setting({
      name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', parse: parse.httpUrl,
      meaning: 'the full URL spans are posted to, instead of `OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`',
    }),
    protocol: setting({
      name: 'OTEL_EXPORTER_OTLP_PROTOCOL', default: 'http/protobuf', parse: parse.oneOf(['http/protobuf', 'http/json']),
      meaning: 'how spans are encoded for the collector (gRPC is not offered). The exporter also reads the other standard `OTEL_EXPORTER_OTLP_*` variables itself (`_HEADERS`, `_TIMEOUT`, `_COMPRESSION`)',
    }),
    serviceName: setting({
      name: 'OTEL_SERVICE_NAME', default: 'kurz', parse: parse.text,
      meaning: '`service.name` of every span',
    }),
    sampler: setting({
      name: 'OTEL_TRACES_SAMPLER', default: 'parentbased_traceidratio', parse: parse.oneOf(TRACES_SAMPLERS),
      meaning: 'which traces are recorded: by default a request whose `traceparent` says sampled is, one that says not sampled is not, and one without starts a trace with the probability OTEL_TRACES_SAMPLER_ARG',
    }),
    samplerArg: setting({
      name: 'OTEL_TRACES_SAMPLER_ARG', default: '0.1', parse: parse.fraction,
      meaning: 'the probability of the `traceidratio` samplers (0 to 1)',
    }),
    resourceAttributes: setting({
      name: 'OTEL_RESOURCE_ATTRIBUTES', default: '', shown: 'empty', parse: parse.text,
      meaning: '`key=value,…` added to every span\'s resource (`deployment.environment.name=prod`)',
    }),
  },
  workers: setting({
    name: 'WORKERS', default: '1', parse: parse.int(1, 64),
    meaning: 'processes `kurz serve` runs on one port (node:cluster); see [docs/PERFORMANCE.md](docs/PERFORMANCE.md#cluster-mode) for what each keeps to itself',
  }),
};

/** Checks between settings, once each is valid on its own. */
export function checkTogether(config: { database: { kind: string }; jwtSecret: string | undefined }): void {
  if (config.jwtSecret === undefined && config.database.kind === 'postgres') {
    throw new ConfigError('JWT_SECRET', 'is required with PostgreSQL (every instance must share it)');
  }
}
