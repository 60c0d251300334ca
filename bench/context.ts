import type { Client } from '@temporalio/client';
import type { Scope } from '../server/db/scope.js';
import type { HeraldClient } from '../client/index.js';
import type { Db } from '../server/db/database.js';
import type { HeraldProcess } from './herald-process.js';
import type { BenchInfrastructure } from './infrastructure.js';
import type { BenchReceiver } from './receiver.js';

export interface BenchOptions {
  events: number;
  concurrency: number;
  fanOutEvents: number;
  fanOutWebhooks: number;
  latencySeconds: number;
  flakyEvents: number;
  growthRows: number;
  waiting: number;
  wide: number;
  fanOutFloorWorkflows: number;
  /** R's plateau: retention cycles, their length, and the steady publish rate during them. */
  retentionCycles: number;
  retentionCycleSeconds: number;
  retentionRate: number;
}

/** Everything a workload uses: the stack under test, the receiver, and direct access to check the results. */
export interface BenchContext {
  options: BenchOptions;
  infrastructure: BenchInfrastructure;
  herald: HeraldProcess;
  client: HeraldClient;
  db: Db;
  temporal: Client;
  receiver: BenchReceiver;
  /** Where the benchmark's admin key acts: the default workspace, live mode. */
  scope: Scope;
  progress(message: string): void;
  /** Stops the Herald process and starts a fresh one on the same port, with the same settings. */
  restartHerald(): Promise<void>;
}
