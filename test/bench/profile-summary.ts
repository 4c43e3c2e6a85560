/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench -- --cpu-prof DIR`):
 * self time by function and by package, the largest first.
 *
 *   npx tsx test/bench/profile-summary.ts DIR/CPU.….cpuprofile [--top 30] [--skip SECONDS]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx test/bench/profile-summary.ts <file.cpuprofile> [--top N] [--skip SECONDS]\n');
  process.exit(1);
}
const option = (name: string) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : undefined);
const top = option('--top') ?? 30;
/** Leaves out the first seconds (start-up: tsx compiling every module on the fly). */
const skipUs = (option('--skip') ?? 0) * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
let elapsedUs = 0;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  elapsedUs += delta;
  if (elapsedUs >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]}`;
  // The compiled gateway (npm start runs dist/, built file by file from src/).
  if (url.includes('/dist/')) return `dist/${url.split('/dist/')[1]}`;
  return url.startsWith('node:') ? url : url ? 'other' : '(native/gc/idle)';
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  const label = `${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`;
  byFunction.set(label, (byFunction.get(label) ?? 0) + us);
  const pkg = frame.url
    ? where(frame.url).replace(/^(src|dist)\/.*/, 'src (our code)')
    : frame.functionName || '(program)';
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [label, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${label}\n`,
    );
  }
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n`);
print('Self time by package', byPackage);
print('Self time by function', byFunction);

// `--inclusive`: time with each function anywhere on the stack (what it and its callees cost).
if (rest.includes('--inclusive')) {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url) continue;
      seen.add(`${frame.functionName || '(anonymous)'} ${where(frame.url)}:${frame.lineNumber + 1}`);
    }
    for (const label of seen) inclusive.set(label, (inclusive.get(label) ?? 0) + us);
  }
  print('Inclusive time by function', inclusive);
}

// `--callers NAME [--depth N]`: whose calls the self time of functions named NAME comes from.
const callersOf = rest.includes('--callers') ? rest[rest.indexOf('--callers') + 1] : undefined;
const depth = option('--depth') ?? 6;
if (callersOf) {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName !== callersOf) continue;
    const frames: string[] = [];
    for (let at = parent.get(id); at !== undefined && frames.length < depth; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      frames.push(`${frame.functionName || '(anonymous)'}@${where(frame.url)}:${frame.lineNumber + 1}`);
    }
    const key = frames.join(' < ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  print(`Callers of ${callersOf}`, stacks);
}
