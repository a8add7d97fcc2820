/*
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time and
 * the most inclusive time, as percentages of all samples. Functions that TurboFan inlined are
 * counted in the function they were inlined into, so a large self time often means "this function
 * and what it inlines"; running under --no-turbo-inlining shows the split (at a different speed).
 *
 *   npx node --cpu-prof --cpu-prof-dir=/tmp/prof bench/run.ts --in-process --engine-only stateless-chain/p1
 *   npx node bench/cpu-profile-summary.ts /tmp/prof/*.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = path.resolve(import.meta.dirname, '..');

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? path.relative(root, new URL(url).pathname) : url;
  return `${functionName || '(anonymous)'}${file ? `  ${file}:${lineNumber + 1}` : ''}`;
}

function summarize(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const timeById = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    timeById.set(id, (timeById.get(id) ?? 0) + dt);
    total += dt;
  });

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of timeById) {
    const leaf = label(byId.get(id)!);
    self.set(leaf, (self.get(leaf) ?? 0) + time);
    // Count each function once per stack, so recursion does not inflate it.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = label(byId.get(cur)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + time);
    }
  }
  const print = (title: string, times: Map<string, number>): void => {
    console.log(title);
    for (const [name, time] of [...times].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${name}`);
    }
  };
  console.log(`${file}: ${profile.samples.length} samples, ${(total / 1e6).toFixed(2)} s`);
  print('self time', self);
  print('inclusive time', inclusive);
}

const args = process.argv.slice(2);
const top = args.length > 1 && /^\d+$/.test(args.at(-1)!) ? Number(args.pop()) : 25;
if (args.length === 0) {
  console.error('Usage: npx node bench/cpu-profile-summary.ts <file.cpuprofile>... [top]');
  process.exitCode = 2;
}
for (const file of args) summarize(file, top);
