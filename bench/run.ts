// `npm run bench -- <name> [--flag value ...] [--json]`: runs one benchmark from this folder.
// Human-readable progress goes to stderr; the last line on stdout is one JSON object of figures.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, type Benchmark } from './benchmark.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));

const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name> [--flag value ...] [--json]\nbenchmarks: ${available.join(', ')}\n`);
  process.exit(2);
}
const mod = (await import(`./${name}.bench.ts`)) as { default: Benchmark };
const args = parseBenchArgs(rest);
const figures = await mod.default(args);
if (!args.flags.json) {
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k}: ${v}\n`);
}
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
