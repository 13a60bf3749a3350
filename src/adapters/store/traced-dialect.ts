import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import type { Tracing } from '../../obs/tracing.js';

/**
 * A Kysely dialect whose every statement is a span (inside a traced request or batch): the one choke
 * point under the query builder, transactions and the compiled reads of prepared.ts alike. The span is
 * named `SELECT links`; no SQL text and no parameter values. With tracing off the dialect is not wrapped.
 */
export function tracedDialect(dialect: Dialect, system: 'sqlite' | 'postgresql', tracing: Tracing): Dialect {
  if (!tracing.enabled) return dialect;
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => tracedDriver(dialect.createDriver(), system, tracing),
  };
}

/** The driver, its connections' executeQuery traced (patched once per connection: drivers release the very object they gave). */
function tracedDriver(driver: Driver, system: string, tracing: Tracing): Driver {
  const patched = new WeakSet<DatabaseConnection>();
  const acquire = driver.acquireConnection.bind(driver);
  driver.acquireConnection = async () => {
    const connection = await acquire();
    if (patched.has(connection)) return connection;
    patched.add(connection);
    const execute = connection.executeQuery.bind(connection);
    connection.executeQuery = <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
      const { operation, table } = statementOf(query.sql);
      const attributes = { 'db.system': system, 'db.system.name': system, 'db.operation.name': operation, ...(table && { 'db.collection.name': table }) };
      return tracing.child(table ? `${operation} ${table}` : operation, attributes, () => execute<R>(query));
    };
    return connection;
  };
  return driver;
}

/** `select … from "links" …` → SELECT, links; the first table a statement names (`from`, `into`, `update`). */
export function statementOf(sql: string): { operation: string; table?: string } {
  const operation = (/^\s*(\w+)/.exec(sql)?.[1] ?? 'SQL').toUpperCase();
  const table = /\b(?:from|into|update)\s+"?([A-Za-z_][\w]*)"?/i.exec(sql)?.[1];
  return table ? { operation, table } : { operation };
}
