/**
 * The suite's one way to run a child process: the gateway (`src/main.ts`) as users run it, or
 * the `checkout-gateway` command. Node itself loads tsx (`--import tsx`) rather than the tsx
 * launcher, which would put the program in a grandchild that a SIGKILL of the launcher leaves
 * running; and every child leads a process group of its own, so that a SIGKILL also takes the
 * processes it started (a cluster's workers) instead of leaving them to hold ports and databases.
 */
import { request as httpRequest } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Launched {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Everything the process printed so far (stdout and stderr, in arrival order). */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /**
   * Sends `signal` to the process and resolves with its exit code. SIGKILL goes to the whole
   * process group: a process killed outright cannot stop its own children.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `node [nodeArgs] script [args]` in the repository root with only PATH and HOME inherited. */
export function launch(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  nodeArgs: string[] = [],
): Launched {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          if (signal === 'SIGKILL') process.kill(-child.pid!, signal);
          else child.kill(signal);
        } catch {
          // already gone
        }
      }
      return exited;
    },
  };
}

export interface GatewayProcess extends Launched {
  url: string;
}

/** Runs the gateway (`src/main.ts`) as a process of its own, waiting until it listens. */
export async function spawnGateway(
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
): Promise<GatewayProcess> {
  const launched = launch('src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', ...env }, ['--import', 'tsx']);
  const { child, output } = launched;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void launched.stop('SIGKILL');
      reject(new Error(`gateway did not start in time:\n${output()}`));
    }, timeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void launched.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${output()}`));
    });
  });
  // main.ts prints the demo key right after the listening line; wait for the rest of start-up output.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { ...launched, url: url.replace('localhost', '127.0.0.1') };
}

export async function graphql(
  url: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Api-Key ${key}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** A GraphQL POST on a connection of its own, so that the cluster hands each to a worker afresh. */
export function postOnNewConnection(url: string, key: string, query: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query });
    const request = httpRequest(
      `${url}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Api-Key ${key}`,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new Error(`${response.statusCode} with a body that is not JSON: ${text}`));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
