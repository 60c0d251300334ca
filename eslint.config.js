// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers, as rules: a wrong import arrow fails `npm test`. DEVELOPERS.md draws the same picture.
 *
 *   workflows/        deterministic workflow code: the contract module, activity types, the pure delivery policy
 *   activities/       thin Temporal adapters over the delivery core and the data layer
 *   server/delivery/  the delivery core: no Temporal, no HTTP routing
 *   server/db/        the data layer: imports nothing above it
 *   server/services/  operations over the data layer, the core and Temporal; no HTTP concerns
 *   server/api/       the edge: routers call services and map their results with schemas
 */
const nodeBuiltins =
  '^(node:.*|assert|buffer|child_process|cluster|crypto|dgram|dns|events|fs|fs/promises|http|http2|https|net|os|path|perf_hooks|process|readline|stream|timers|tls|url|util|v8|vm|worker_threads|zlib)$';
const ioPackages =
  '^(pg|kysely|undici|fastify|@fastify/.*|@trpc/.*|trpc-to-openapi|pino|prom-client|@temporalio/(client|worker|activity|testing))$';
/** Any import whose path passes through one of these folders, however many `../` lead there. */
const through = (/** @type {string[]} */ folders) => `(^|/)(${folders.join('|')})/`;

/** @param {string} message @param {Array<{ regex: string; allowTypeImports?: boolean }>} patterns */
const restrict = (message, patterns) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    { patterns: patterns.map((pattern) => ({ ...pattern, message })) },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test/consumer/**',
      'test/replay/histories/**',
      'coverage/**',
      'client/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-duplicate-imports': 'off',
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: restrict(
      'Workflow code is replayed and must stay deterministic: no Node APIs, no I/O, activities and server code as types only.',
      [
        { regex: nodeBuiltins },
        { regex: ioPackages },
        { regex: through(['activities']), allowTypeImports: true },
        { regex: '(^|/)server/(?!delivery/policy\\.js$)', allowTypeImports: true },
      ],
    ),
  },
  {
    files: ['activities/**/*.ts'],
    rules: restrict(
      'Activities are thin adapters over the delivery core and the data layer; they do not reach into the API or its wiring.',
      [
        {
          regex: through([
            'server/api',
            'server/http',
            'server/services',
            'server/app',
            'server/commands',
            'server/dev-stack',
            'server/worker',
            'client',
          ]),
        },
        { regex: '^(fastify|@fastify/.*|@trpc/.*|trpc-to-openapi)$' },
        // Its contract, not the implementation that names the workflows (which import the activities' types).
        { regex: 'server/temporal/workflow-gateway\\.js$', allowTypeImports: false },
      ],
    ),
  },
  {
    files: ['server/delivery/**/*.ts'],
    rules: restrict('The delivery core knows neither Temporal nor HTTP routing; it may use the data layer.', [
      {
        regex: through([
          'api',
          'http',
          'services',
          'app',
          'commands',
          'temporal',
          'worker',
          'dev-stack',
          'activities',
          'workflows',
          'client',
        ]),
      },
      { regex: '^(@temporalio/.*|fastify|@fastify/.*|@trpc/.*|trpc-to-openapi)$' },
    ]),
  },
  {
    files: ['server/db/**/*.ts'],
    rules: restrict('The data layer imports nothing above it.', [
      {
        regex: through([
          'api',
          'http',
          'services',
          'delivery',
          'temporal',
          'app',
          'commands',
          'worker',
          'auth',
          'catalog',
          'audit',
          'dev-stack',
          'activities',
          'workflows',
          'client',
        ]),
      },
      { regex: '^(\\.\\./)+(config|logger|metrics|errors|dependency-errors|version)\\.js$' },
      { regex: '^(@temporalio/.*|fastify|@fastify/.*|@trpc/.*|trpc-to-openapi|undici|zod)$' },
    ]),
  },
  {
    files: ['server/services/**/*.ts'],
    rules: restrict(
      'Services are free of HTTP concerns: they return domain types and throw the errors in server/errors.ts.',
      [
        { regex: through(['api', 'http', 'app', 'commands']) },
        { regex: '^(fastify|@fastify/.*|@trpc/.*|trpc-to-openapi)$' },
      ],
    ),
  },
  {
    files: ['server/api/routers/**/*.ts'],
    // The routers that put the others together.
    ignores: ['server/api/routers/index.ts', 'server/api/routers/portal/index.ts'],
    rules: restrict(
      'Routers call services (never queries) and do not import each other; shared mapping lives in schemas/.',
      [{ regex: '^\\./' }, { regex: through(['db/queries']) }],
    ),
  },
  {
    files: ['server/api/schemas/**/*.ts'],
    rules: restrict('Schemas describe the API; they take service types for mapping, never query code.', [
      { regex: through(['db/queries']), allowTypeImports: true },
      { regex: through(['services']), allowTypeImports: true },
    ]),
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['server/portal-ui/**'],
    rules: restrict("The portal's page is built by Vite and served as files; the server never imports its code.", [
      { regex: through(['portal-ui']) },
    ]),
  },
  {
    files: ['server/portal-ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      "The portal's page runs in the browser: it takes the server's router as a type only, and no Node modules.",
      [
        { regex: nodeBuiltins },
        { regex: '^\\.\\./\\.\\./', allowTypeImports: true },
        { regex: through(['server', 'activities', 'workflows', 'client']), allowTypeImports: true },
      ],
    ),
  },
  {
    files: ['client/**/*.ts'],
    rules: restrict('The client is its own package: it takes nothing from the server but the router type.', [
      { regex: through(['server', 'activities', 'workflows']), allowTypeImports: true },
    ]),
  },
  prettier,
);
