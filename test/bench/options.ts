import { parseArgs } from 'node:util';

const PHASES = ['create', 'create-intent', 'read', 'fanout', 'webhooks', 'scale'] as const;
type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  /** Seconds of measured load per side of a throughput phase (after `warmup` unmeasured seconds). */
  duration: number;
  warmup: number;
  connections: number;
  subscribers: number;
  /** Payments whose fan-out (and webhook arrival) is timed. */
  rounds: number;
  /** Events queued at once for the deliveries/s figure. */
  burst: number;
  /** DATABASE_POOL_SIZE of the gateway and size of the baseline's pool. */
  poolSize: number;
  /** WEB_CONCURRENCY of the gateway: server processes sharing its port. */
  workers: number;
  /** Sessions of the scale phase's large account. */
  scaleSessions: number;
  phases: Set<Phase>;
  json: boolean;
  write: boolean;
  /** Directory for the gateway's CPU profile (`node --cpu-prof`), if wanted. */
  cpuProf: string | undefined;
}

const USAGE = `npm run bench -- [options]
  --duration <s>      measured seconds per side of each throughput phase, in two windows (default 10)
  --warmup <s>        unmeasured seconds per side before each throughput phase (default 5)
  --connections <n>   concurrent clients for create and read (default 50)
  --subscribers <n>   graphql-ws subscribers for fan-out (default 1000)
  --rounds <n>        payments timed for fan-out and for webhook latency (default 30)
  --burst <n>         events queued at once for webhook deliveries/s (default 1000)
  --pool <n>          DATABASE_POOL_SIZE of the gateway, and the baseline's pool (default 10)
  --workers <n>       WEB_CONCURRENCY of the gateway (default 1, as npm start); the pool is split
                      between them, so that the gateway holds --pool connections in all
  --scale-sessions <n>  sessions of the scale phase's large account (default 1000000)
  --only <list>       comma list of phases: ${PHASES.join(',')}
  --cpu-prof <dir>    write the gateway's CPU profile (node --cpu-prof) into <dir>
  --json              print the results as JSON on stdout
  --no-write          do not update BENCHMARKS.md`;

function positive(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be a number between 0 and ${max}, not "${text}"\n\n${USAGE}`);
  return value;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      subscribers: { type: 'string' },
      rounds: { type: 'string' },
      burst: { type: 'string' },
      pool: { type: 'string' },
      workers: { type: 'string' },
      'scale-sessions': { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = values.only
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of only ?? []) {
    if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only: unknown phase "${name}"\n\n${USAGE}`);
  }
  return {
    // Bounded on purpose: the bench must stop by itself in minutes on a shared machine.
    duration: positive('duration', values.duration, 10, 120),
    warmup: values.warmup === '0' ? 0 : positive('warmup', values.warmup, 5, 60),
    connections: Math.round(positive('connections', values.connections, 50, 500)),
    subscribers: Math.round(positive('subscribers', values.subscribers, 1000, 5000)),
    rounds: Math.round(positive('rounds', values.rounds, 30, 1000)),
    burst: Math.round(positive('burst', values.burst, 1000, 20_000)),
    poolSize: Math.round(positive('pool', values.pool, 10, 200)),
    workers: Math.round(positive('workers', values.workers, 1, 16)),
    // At least a deep page's worth (10,050 rows); at most what seeds in minutes.
    scaleSessions: Math.max(
      20_000,
      Math.round(positive('scale-sessions', values['scale-sessions'], 1_000_000, 5_000_000)),
    ),
    phases: new Set((only as Phase[] | undefined) ?? PHASES),
    json: values.json ?? false,
    write: !values['no-write'],
    cpuProf: values['cpu-prof'],
  };
}
