// The code as the image runs it: TypeScript compiled to dist/ by tsc with the image's own
// settings (images/tsconfig.build.json) and the .proto files beside it, as the Dockerfile's
// compile stage does; then `node <flags> dist/cli/akri-ts.js <command>`, no tsx. The memory
// benchmarks measure this, because tsx's loader and esbuild cost a process tens of MiB.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function protoFiles(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? protoFiles(dir, join(rel, e.name)) : e.name.endsWith('.proto') ? [join(rel, e.name)] : [],
  );
}

/**
 * The node flags the image starts every component with: read from the Dockerfile's ENTRYPOINT
 * (["node", <flags>..., "/app/cli/akri-ts.js"]), the one place they are set.
 */
export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(join(repoRoot, 'images/akri-ts.Dockerfile'), 'utf8');
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  if (!line) throw new Error('images/akri-ts.Dockerfile has no ENTRYPOINT in exec form');
  const argv = JSON.parse(line) as string[];
  if (argv[0] !== 'node' || argv.at(-1) !== '/app/cli/akri-ts.js') throw new Error(`unexpected ENTRYPOINT ${line}`);
  return argv.slice(1, -1);
}

/** Compiles the repository into dist/ as the image's compile stage does; returns the entry point. */
export function compileAsImage(): string {
  execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', join(repoRoot, 'images/tsconfig.build.json')], { cwd: repoRoot, stdio: 'inherit' });
  const protoDir = join(repoRoot, 'lib/proto');
  for (const file of protoFiles(protoDir)) cpSync(join(protoDir, file), join(repoRoot, 'dist/lib/proto', file));
  return join(repoRoot, 'dist/cli/akri-ts.js');
}

/** How a benchmark starts `akri-ts <command>`: through tsx, or compiled with node flags as the image runs it. */
export interface AkriTsCommand {
  /** node's arguments for `akri-ts <command> ...`. */
  argv(command: 'agent' | 'controller', ...args: string[]): string[];
  /** Said in the figures: "tsx" or "node <flags> dist/cli/akri-ts.js". */
  runAs: string;
}

/**
 * --as-image compiles and runs dist/cli/akri-ts.js with the image's node flags; --node-flags="..."
 * sets other flags (and implies --as-image). Without either, tsx runs the sources.
 */
export function akriTsCommand(flags: Record<string, string | boolean>, imageFlags: readonly string[]): AkriTsCommand {
  const given = flags['node-flags'];
  if (flags['as-image'] !== true && given === undefined) {
    const sources = { agent: 'agent/main.ts', controller: 'controller/main.ts' };
    return { argv: (command, ...args) => ['--import', 'tsx', join(repoRoot, sources[command]), ...args], runAs: 'tsx' };
  }
  const nodeFlags = typeof given === 'string' ? given.split(/\s+/).filter(Boolean) : [...imageFlags];
  const entry = compileAsImage();
  return { argv: (command, ...args) => [...nodeFlags, entry, command, ...args], runAs: ['node', ...nodeFlags, 'dist/cli/akri-ts.js'].join(' ') };
}
