// What the task-list library of `npm start` (listr2) costs it: time to import and memory, in
// fresh Node processes, against a do-nothing floor (a process that imports nothing) and against
// @kubernetes/client-node, which npm start loads anyway. Each figure is the median of --runs.
// npm run bench -- progress-library [--runs 15] --json
import { execFileSync } from 'node:child_process';
import { log, type Benchmark } from './benchmark.ts';

interface Sample {
  importMs: number;
  maxRssMiB: number;
}

/** One fresh process that imports `specifier` (or nothing) and reports its time and peak RSS. */
function sample(specifier: string | undefined): Sample {
  const code = `
    const t0 = performance.now();
    ${specifier ? `await import(${JSON.stringify(specifier)});` : ''}
    const importMs = performance.now() - t0;
    process.stdout.write(JSON.stringify({ importMs, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), encoding: 'utf8' })) as Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

const bench: Benchmark = async (args) => {
  const runs = args.number('runs', 15);
  const subjects = { floor: undefined, listr2: 'listr2', clientNode: '@kubernetes/client-node' } as const;
  const samples: Record<keyof typeof subjects, Sample[]> = { floor: [], listr2: [], clientNode: [] };
  // Interleaved, so a busy moment on the machine spreads over every subject alike.
  for (let i = 0; i < runs; i++) {
    for (const [name, specifier] of Object.entries(subjects) as [keyof typeof subjects, string | undefined][]) samples[name].push(sample(specifier));
  }
  const ms = (name: keyof typeof subjects) => median(samples[name].map((s) => s.importMs));
  const rss = (name: keyof typeof subjects) => median(samples[name].map((s) => s.maxRssMiB));
  log(`floor: ${rss('floor').toFixed(1)} MiB; listr2 +${(rss('listr2') - rss('floor')).toFixed(1)} MiB in ${ms('listr2').toFixed(1)} ms; client-node +${(rss('clientNode') - rss('floor')).toFixed(1)} MiB in ${ms('clientNode').toFixed(1)} ms`);
  return {
    runs,
    floorRssMiB: round(rss('floor')),
    listr2ImportMs: round(ms('listr2')),
    listr2ExtraRssMiB: round(rss('listr2') - rss('floor')),
    clientNodeImportMs: round(ms('clientNode')),
    clientNodeExtraRssMiB: round(rss('clientNode') - rss('floor')),
  };
};
export default bench;
