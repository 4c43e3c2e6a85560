/** Starts and stops the baseline relay (relay.ts) as a child process of its own. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childPidOf } from './gateway-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const script = fileURLToPath(new URL('./relay.ts', import.meta.url));

export interface RelayProcess {
  port: number;
  /** The node process that relays (tsx runs it as its child). */
  pid: number;
  stop(): Promise<void>;
}

export async function startRelay(env: {
  DATABASE_URL: string;
  ACCOUNT_IDS: string;
  EVENT_TYPE: string;
  RECEIVER_URL?: string;
}): Promise<RelayProcess> {
  const child = spawn(tsx, [script], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => process.stderr.write(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the baseline relay did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => reject(new Error(`the baseline relay exited:\n${output}`)));
  });
  const pid = childPidOf(child.pid!) ?? child.pid!;
  return {
    port,
    pid,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
