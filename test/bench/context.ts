import type { Sql } from 'postgres';
import type { GatewayProcess } from './gateway-process.js';
import type { BenchOptions } from './options.js';

/** What every phase gets: the running gateway, a postgres.js pool for baselines, the options. */
export interface BenchContext {
  options: BenchOptions;
  gateway: GatewayProcess;
  adminKey: string;
  databaseUrl: string;
  /** postgres.js pool of the bench process, sized like the gateway's (DATABASE_POOL_SIZE). */
  sql: Sql;
  log(message: string): void;
}
