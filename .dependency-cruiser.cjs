/**
 * Which way imports may run in src/ (`npm run lint:imports`, part of `npm test`). The layers, innermost
 * first: src/domain (pure rules) → src/ports.ts (the interfaces use cases see) → src/use-cases and
 * src/analytics → src/adapters (implement ports) and src/http (Fastify) → src/compose.ts, app.ts, main.ts.
 * Type-only imports count as much as value imports: a type that runs uphill ties the layers just the same.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles: a module in one is half-initialised while the circle loads, and the layers stop meaning anything.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'src/domain imports only src/domain and node: builtins (url-safety needs node:net for isIP, ids and codes node:crypto for randomness). ' +
        'No npm package today; a pure library (no I/O, no global state) may be allowed by adding its node_modules path to pathNot.',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-stays-inside',
      severity: 'error',
      comment: 'The domain and the ports are what everything else builds on: they never name an adapter, HTTP, a use case or analytics.',
      from: { path: '^src/(domain/|ports\\.ts$)' },
      to: { path: '^src/(adapters|http|use-cases|analytics)/' },
    },
    {
      name: 'use-cases-see-ports',
      severity: 'error',
      comment: 'Use cases depend on ports (src/ports.ts), never on an adapter or on HTTP; compose.ts chooses the adapters.',
      from: { path: '^src/use-cases/' },
      to: { path: '^src/(adapters|http)/' },
    },
    {
      name: 'routes-take-narrow-deps',
      severity: 'error',
      comment:
        'Context (src/http/context.ts) is the whole bag the composition root builds, handed to buildApp (app.ts): a route registrar, the redirect or the authenticator takes only ' +
        'what it uses (LinkDeps, RateLimitDeps …), so its signature says what it needs. Use cases never see it (use-cases-see-ports).',
      from: { path: '^src/http/' },
      to: { path: '^src/http/context\\.ts$' },
    },
    {
      name: 'adapters-below-http',
      severity: 'error',
      comment: 'Adapters serve every entry point (serve, worker, tests): they never import src/http.',
      from: { path: '^src/adapters/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'fastify-only-at-the-edge',
      severity: 'error',
      comment: 'Fastify is the HTTP edge: no Fastify type leaks into the domain, ports, use cases, analytics or adapters (a logger is pino\'s).',
      from: { path: '^src/(domain/|ports\\.ts$|use-cases/|analytics/|adapters/)' },
      to: { path: '^node_modules/(fastify|@fastify/)' },
    },
    {
      name: 'importers-only-read',
      severity: 'error',
      comment: 'src/importers turn bytes of a peer\'s export into rows (importers/record.ts): they see the domain\'s types and their parsers, never a port, a store, a use case or HTTP.',
      from: { path: '^src/importers/' },
      to: { path: '^src/(adapters|http|use-cases|analytics|ports\\.ts$|compose\\.ts$)' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'Every import resolves: one the cruiser cannot follow is one no rule above can check.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
