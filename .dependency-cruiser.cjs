/**
 * The layers of README "Architecture", as rules (`npm run lint` runs `depcruise src workers config`).
 * Type-only imports count (tsPreCompilationDeps), so a cycle through a type is a cycle.
 */
const OURS = '^(src|workers|config)/';
const NO_IO_CORE = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'child_process', 'worker_threads', 'cluster'];
const NO_IO_NPM = '^(pg|ioredis|bullmq|express|socket\\.io|drizzle-orm|nodemailer|sharp|pino)($|/)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles anywhere in src, workers or config (the web app included).',
      severity: 'error',
      from: { path: OURS },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing of ours but src/shared, and no I/O or framework package.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: OURS, pathNot: '^src/(domain|shared)/' },
    },
    {
      name: 'domain-no-io',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer'], path: NO_IO_NPM },
    },
    {
      name: 'checks-import-domain-and-shared',
      comment: 'src/checks are pure functions over data: they import src/domain, src/shared and the typed constant tables of ' + 'config/ (never config/env.ts, the one reader of process.env).',
      severity: 'error',
      from: { path: '^src/checks/' },
      to: { path: OURS, pathNot: ['^src/(checks|domain|shared)/', '^config/(?!env\\.ts$)'] },
    },
    {
      name: 'checks-no-io',
      comment: 'src/checks read no file, socket, database or thread: callers hand them the data (dictionary sources).',
      severity: 'error',
      from: { path: '^src/(checks|domain)/' },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${NO_IO_CORE.join('|').replace(/\//g, '\\/')})$` },
    },
    {
      name: 'checks-no-io-packages',
      severity: 'error',
      from: { path: '^src/checks/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer'], path: NO_IO_NPM },
    },
    {
      name: 'db-below-services',
      comment: 'Repositories import src/domain and src/shared (and each other), never a use case, a check or an edge.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: OURS, pathNot: '^src/(db|domain|shared)/' },
    },
    {
      name: 'services-below-edges',
      comment: 'Use cases import domain, checks, db, the ports (queue, media, threads) and config; never http, realtime or a worker.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^(src/(http|realtime|web)|workers)/' },
    },
    {
      name: 'edges-call-services-not-db',
      comment: 'src/http and src/realtime call use cases (src/services) and presenters, never a repository. A type-only import ' + 'of a row type or of the Db handle is allowed: it runs no SQL.',
      severity: 'error',
      from: { path: '^src/(http|realtime)/' },
      to: { path: '^src/db/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'realtime-not-through-http',
      comment: 'The socket server and the HTTP app are siblings: what both need lives in src/shared or src/services.',
      severity: 'error',
      from: { path: '^src/realtime/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'http-not-through-realtime',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/realtime/' },
    },
    {
      name: 'workers-are-entry-points',
      comment: 'Nothing imports a worker entry point; workers/ holds only <queue>.worker.ts files.',
      severity: 'error',
      from: {},
      to: { path: '^workers/' },
    },
    {
      name: 'workers-only-entry-points',
      severity: 'error',
      from: { path: '^workers/(?!.+\\.worker\\.ts$)' },
      to: {},
    },
    {
      name: 'threads-are-leaves',
      comment: 'src/threads (worker-thread entry points and their pool) are started by workers and services; they import no edge.',
      severity: 'error',
      from: { path: '^src/threads/' },
      to: { path: '^(src/(http|realtime|web)|workers)/' },
    },
    {
      name: 'thread-pool-calls-services-not-db',
      comment: 'Only a thread entry point (its own composition root, with its own connection) may read a repository.',
      severity: 'error',
      from: { path: '^src/threads/(?!.+\\.thread\\.ts$)' },
      to: { path: '^src/db/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workers-call-services-not-db',
      comment: 'A worker parses its job and calls a use case; SQL stays behind src/services.',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/db/(?!pool\\.ts$)' },
    },
    {
      name: 'shared-imports-shared',
      comment: 'src/shared is pure and shared with the browser: it imports only itself (and domain types).',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: OURS, pathNot: '^src/(shared|domain)/' },
    },
    {
      name: 'shared-imports-domain-types-only',
      comment: 'src/shared may name a domain type (the audit-event catalog in the trail contract), never import domain code into the browser.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-imports-web-and-shared',
      comment: 'The browser app imports only itself and src/shared (API types, socket contract, labels).',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: OURS, pathNot: '^src/(web|shared)/' },
    },
    {
      name: 'nothing-imports-the-web-app',
      severity: 'error',
      from: { pathNot: '^src/web/' },
      to: { path: '^src/web/' },
    },
    {
      name: 'config-is-data',
      comment: 'config/ holds typed tables and the env schema; it may name domain types, nothing else of ours.',
      severity: 'error',
      from: { path: '^config/' },
      to: { path: OURS, pathNot: '^(config|src/domain)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
