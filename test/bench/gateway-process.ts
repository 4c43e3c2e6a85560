/**
 * The gateway as users run it: the command of `npm start` (the compiled gateway, or tsx src/main.ts in older checkouts) in a child process
 * of its own, on loopback, configured through the environment only. The bench talks to it over
 * HTTP and WebSocket and reads its memory and CPU time from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What `npm start` runs: the start script must read `[exec] tsx|node [flags…] <script>`, the
 * script `src/main.ts` (older checkouts, flags such as `--import tsx`) or a JavaScript launcher
 * (`src/tools/start.mjs`, which builds dist/ when stale and runs it), and the bench runs that,
 * without npm in between, so that the serving process and its pid are known.
 */
export function startCommand(checkout: string): { program: 'tsx' | 'node'; args: string[] } {
  const manifest = JSON.parse(readFileSync(`${checkout}/package.json`, 'utf8')) as { scripts?: { start?: string } };
  const start = manifest.scripts?.start ?? '';
  // `exec` (the shell replacing itself) changes nothing for us.
  const words = start
    .trim()
    .replace(/^exec\s+/, '')
    .split(/\s+/);
  const program = words[0];
  if ((program !== 'tsx' && program !== 'node') || !/\.(ts|js|mjs)$/.test(words[words.length - 1] ?? '')) {
    throw new Error(`expected the start script to read "tsx|node [flags…] <script>", not "${start}"`);
  }
  return { program, args: words.slice(1) };
}

/** A port the kernel just handed out on loopback; free unless something grabs it first. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS); NaN once it is gone. */
function processRssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * The server: the node process `pid` and, when it is a cluster's primary (WEB_CONCURRENCY > 1),
 * its node workers. Other children (tsx's esbuild service) are left out, as they always were.
 */
export function serverProcesses(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i += 1) {
    for (const child of childPidsOf(pids[i]!)) {
      try {
        if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'node') pids.push(child);
      } catch {
        // gone meanwhile
      }
    }
  }
  return pids;
}

/** Resident memory of the server (all its processes) in MiB; NaN once it is gone. */
export function rssMiB(pid: number): number {
  const total = serverProcesses(pid).reduce((sum, one) => sum + processRssMiB(one), 0);
  return Math.round(total * 10) / 10;
}

function childPidsOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The first child of a process: tsx runs the program in a node child of its own. */
export function childPidOf(pid: number): number | undefined {
  try {
    const [first] = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return first;
  } catch {
    return undefined;
  }
}

export interface GatewayProcess {
  url: string;
  port: number;
  /** The node process that serves (tsx runs it as its child); its RSS is the gateway's. */
  serverPid: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface GatewayOptions {
  databaseUrl: string;
  adminApiKey: string;
  env?: Record<string, string>;
  /** Node flags for the server process, e.g. `--cpu-prof` (tsx hands them to node). */
  nodeFlags?: string[];
  startTimeoutMs?: number;
  /** A checkout of the gateway to run (default: this one), e.g. an older commit to compare with. */
  root?: string;
}

export async function startGatewayProcess(options: GatewayOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const cwd = options.root ?? root;
  const start = startCommand(cwd);
  const script = start.args.pop()!;
  const program = start.program === 'node' ? process.execPath : `${cwd}/node_modules/.bin/tsx`;
  const child: ChildProcess = spawn(program, [...start.args, ...(options.nodeFlags ?? []), script], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // Empty: the embedded database (PGlite) in DATA_DIR.
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ADMIN_API_KEY: options.adminApiKey,
      // The per-key limit (100/s by default) would measure the limiter, not the gateway.
      RATE_LIMIT_PER_SECOND: '0',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`the gateway exited with ${exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready within the start timeout:\n${output}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await sleep(100);
  }
  // The tsx command runs the program in a node child of its own; that child is the server.
  // (Under `node --import tsx` the first child is esbuild's service, not the server.)
  const serverPid = start.program === 'tsx' ? (childPidOf(child.pid!) ?? child.pid!) : child.pid!;

  return {
    url,
    port,
    serverPid,
    output: () => output,
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        try {
          process.kill(serverPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** CPU time (user + system) the server (all its processes) has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  return serverProcesses(pid).reduce((sum, one) => sum + processCpuMs(one), 0);
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU time all cores have spent busy so far (everything but idle and iowait), in milliseconds, from /proc/stat. */
export function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + fields[7]!;
    return (busy * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ; 100 on every Linux the bench runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
