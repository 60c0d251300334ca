/** What global setup starts once per test run and hands to every test file. */
export interface TestInfrastructure {
  /** A connection URL for a database on the test Postgres server whose role may create databases. */
  adminUrl: string;
  temporalAddress: string;
  namespace: string;
  /** The workflow code, bundled once so each test worker starts in milliseconds. */
  workflowBundlePath: string;
}

/** Migrated once per run; each test file's database is a copy of it. */
export const TEMPLATE_DATABASE = 'herald_test_template';
