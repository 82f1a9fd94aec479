// The architecture's boundaries as rules over the real import graph (static
// imports, `import type`, `await import()`, `require()`), resolved the way
// TypeScript and Node resolve them: `.ts` specifiers, package `exports`, and
// workspace packages followed through their node_modules/@skillhub symlinks to
// their source, so every `to` below is a path relative to the repository root
// (or, when a module cannot be resolved, the specifier as written).
// Run by `npm run lint`; scripts/test/boundaries.test.ts plants a violation of
// each rule and checks that it fails.

const postgresDrivers = [
  '(^|/)node_modules/(pg|pg-pool|pg-cursor|postgres)/',
  '(^|/)node_modules/drizzle-orm/node-postgres',
  '^(pg|pg-pool|pg-cursor|postgres)(/|$)',
  '^drizzle-orm/node-postgres',
];
const theApi = ['^apps/api/', '^@skillhub/api$'];

module.exports = {
  forbidden: [
    {
      name: 'db-driver-only-in-packages-db',
      comment:
        'Only packages/db talks to PostgreSQL: it owns the pool, the roles and the tenant context, and never exports ' +
        'a raw connection. Anything else (apps, core, bench, scripts) goes through @skillhub/db; benchmarks get ' +
        'their raw connections from @skillhub/db/bench.',
      severity: 'error',
      from: { pathNot: '^packages/db/' },
      to: { path: postgresDrivers },
    },
    {
      name: 'db-imports-no-other-workspace',
      comment:
        'packages/db is the foundation: everything depends on it, so it depends on no other workspace package ' +
        '(core, api, cli, console); otherwise the layers stop pointing one way.',
      severity: 'error',
      from: { path: '^packages/db/' },
      to: { path: ['^(packages/(?!db/)|apps/)', '^@skillhub/(?!db(/|$))', '(^|/)node_modules/@skillhub/(?!db/)'] },
    },
    {
      name: 'core-knows-no-http',
      comment:
        'packages/core is the domain layer: use cases take a transaction and the caller, and know no HTTP type. ' +
        'Hono and the apps sit above it, never below.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: {
        path: [
          '(^|/)node_modules/(hono|@hono/[^/]+)/',
          '^(hono|@hono/[^/]+)(/|$)',
          '^apps/(api|cli|console)/',
          '^@skillhub/(api|cli|console)(/|$)',
        ],
      },
    },
    {
      name: 'console-talks-http-only',
      comment:
        'apps/console is a browser app: it reaches the server over HTTP only, so its source imports no @skillhub/* ' +
        'package and nothing outside apps/console (npm packages are fine), except the browser entry of the ' +
        'verifier (@skillhub/verify/browser), which checks proofs in the page. Its tests (apps/console/test) may ' +
        "use the API's test harness, hence src only.",
      severity: 'error',
      from: { path: '^apps/console/src/' },
      to: { pathNot: ['^(apps/console/|node_modules/(?!@skillhub/))', '^packages/verifier/src/browser\\.ts$'] },
    },
    {
      name: 'verifier-stands-alone',
      comment:
        'packages/verifier (@skillhub/verify) is the verifier anyone runs from its packed tarball on a machine with ' +
        'only Node: its source imports its own files and Node built-ins, nothing else (no npm package, no workspace ' +
        'package, no database or server code), so the tarball carries everything it needs and trusts nothing of ours.',
      severity: 'error',
      from: { path: '^packages/verifier/src/' },
      to: { pathNot: '^packages/verifier/src/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'verifier-tests-use-no-workspace',
      comment:
        "The verifier's tests build their evidence with their own tree builder and keys, so they prove it works " +
        'without the rest of Skillhub: they import no other workspace package.',
      severity: 'error',
      from: { path: '^packages/verifier/test/' },
      to: { path: ['^(packages/(?!verifier/)|apps/|bench/|scripts/)', '^@skillhub/', '(^|/)node_modules/@skillhub/'] },
    },
    {
      name: 'apps-never-use-bench-door',
      comment:
        '@skillhub/db/bench (packages/db/src/bench) hands out raw connections that bypass withTenant, for the ' +
        'benchmarks alone; the apps must go through the tenant context.',
      severity: 'error',
      from: { path: '^apps/' },
      to: { path: ['^packages/db/src/bench/', '(^|/)node_modules/@skillhub/db/src/bench/', '^@skillhub/db/bench$'] },
    },
    {
      name: 'cli-uses-api-only-to-serve',
      comment:
        'The CLI calls use cases from @skillhub/core; it needs the HTTP server only to compose `skillhub serve`, ' +
        'in apps/cli/src/commands/serve.ts, and the server `skillhub selftest` attacks when no URL is given, in ' +
        'apps/cli/src/selftest/local-server.ts. (Its tests may start the API to compare it with the CLI.)',
      severity: 'error',
      from: {
        path: '^apps/cli/src/',
        pathNot: ['^apps/cli/src/commands/serve\\.ts$', '^apps/cli/src/selftest/local-server\\.ts$'],
      },
      to: { path: theApi },
    },
    {
      name: 'bench-uses-api-only-in-bench-api',
      comment: 'Only the API benchmark (bench/api/) runs the HTTP server; the others measure the database layer.',
      severity: 'error',
      from: { path: '^bench/', pathNot: '^bench/api/' },
      to: { path: theApi },
    },
    {
      name: 'no-cycle-between-packages',
      comment:
        'Workspace packages form layers (db <- core <- api <- cli); a cycle between two of them (e.g. core -> api ' +
        '-> core) means neither can be understood, tested or moved alone. Reported on the edge that leaves the package.',
      severity: 'error',
      from: { path: '^((packages|apps)/[^/]+)/' },
      to: { circular: true, pathNot: '^$1/' },
    },
    {
      name: 'no-cycle-inside-a-package',
      comment:
        'The tree has no import cycle among the files of one package (or of bench/, scripts/); keep it that way: ' +
        'cycles make module initialisation order-dependent and files impossible to read one at a time.',
      severity: 'error',
      from: { path: '^((packages|apps)/[^/]+|bench|scripts)/' },
      to: { circular: true, viaOnly: { path: '^$1/' } },
    },
  ],
  options: {
    // Files under node_modules are recorded as dependencies (rule 1 needs `pg`'s path) but not scanned or followed.
    doNotFollow: { path: '(^|/)node_modules/' },
    // Our build output and embedded databases are not source. Anchored to our own folders: excluding a dist/ under
    // node_modules would drop the dependency on that package too (hono resolves to node_modules/hono/dist/...).
    exclude: { path: ['^(packages|apps)/[^/]+/(dist|\\.skillhub)(/|$)', '^(bench/|scripts/)?(dist|\\.skillhub)(/|$)'] },
    // `import type` counts: a type-only import of `pg` or Hono still ties the layer to it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
