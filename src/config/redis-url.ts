/**
 * What REDIS_URL names: one Redis server, or the seed nodes of a Redis Cluster. A URL naming several
 * hosts (`redis://a:7000,b:7001,c:7002`) or written `redis+cluster://host:port` is a cluster; any
 * other `redis://`/`rediss://` URL is one server. Pure, so the setting's parser and the adapter that
 * connects read the URL the same way.
 */

/** One server: the URL goes to ioredis as written. */
export interface SingleRedis {
  kind: 'single';
  url: string;
}

/** A Redis Cluster: ioredis asks the seed nodes for the rest of the cluster and its slots. */
export interface ClusterRedis {
  kind: 'cluster';
  /** The seed nodes, as written. */
  nodes: Array<{ host: string; port: number }>;
  /** The ACL user of every node, if the URL names one. */
  username?: string;
  /** The password of every node, if the URL names one. */
  password?: string;
  /** `rediss`: every node over TLS. */
  tls: boolean;
}

export type RedisEndpoint = SingleRedis | ClusterRedis;

/** A failure to read REDIS_URL; its message never holds the URL (it may hold a password). */
export class RedisUrlError extends Error {}

const FORM = /^(rediss?)(\+cluster)?:\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/;
const NODE = /^(\[[0-9a-fA-F:.]+\]|[^:,[\]]+)(?::(\d{1,5}))?$/;

/** Reads REDIS_URL. Throws RedisUrlError, saying what is wrong without repeating the value. */
export function redisEndpoint(raw: string): RedisEndpoint {
  const match = FORM.exec(raw);
  if (!match) throw new RedisUrlError('must be a redis:// or rediss:// URL (several host:port after it, or redis+cluster://, for a Redis Cluster)');
  const [, scheme, clusterSuffix, userinfo, hostList, path = '', query = ''] = match;
  const hosts = hostList!.split(',');
  if (!clusterSuffix && hosts.length === 1) return { kind: 'single', url: raw };
  // A cluster has database 0 only: a URL asking for another one is a mistake, not something to ignore.
  if (!/^\/?0?$/.test(path)) throw new RedisUrlError('names a database; a Redis Cluster has database 0 only');
  if (query) throw new RedisUrlError('takes no query options in its cluster form');
  const nodes = hosts.map((host) => {
    const node = NODE.exec(host.trim());
    const port = Number(node?.[2] ?? 6379);
    if (!node || port < 1 || port > 65_535) throw new RedisUrlError(`has a node that is not host:port (node ${hosts.indexOf(host) + 1})`);
    return { host: node[1]!.replace(/^\[|\]$/g, ''), port };
  });
  const [user, password] = userinfo ? splitUserinfo(userinfo) : [];
  return { kind: 'cluster', nodes, ...(user ? { username: user } : {}), ...(password ? { password } : {}), tls: scheme === 'rediss' };
}

/** `user:password`, `:password` or `user`, percent-decoded. */
function splitUserinfo(userinfo: string): [string | undefined, string | undefined] {
  const colon = userinfo.indexOf(':');
  const decode = (s: string) => (s ? decodeURIComponent(s) : undefined);
  return colon < 0 ? [decode(userinfo), undefined] : [decode(userinfo.slice(0, colon)), decode(userinfo.slice(colon + 1))];
}
