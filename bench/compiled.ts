// The code as the image runs it: TypeScript compiled to dist/ by tsc with the image's own
// settings (images/tsconfig.build.json) and the .proto files beside it, as the Dockerfile's
// compile stage does; then `node <flags> dist/cli/akri-ts.js <command>`, no tsx. The memory
// benchmarks measure this, because tsx's loader and esbuild cost a process tens of MiB.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function protoFiles(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? protoFiles(dir, join(rel, e.name)) : e.name.endsWith('.proto') ? [join(rel, e.name)] : [],
  );
}

/** Compiles the repository into dist/ as the image's compile stage does; returns the entry point. */
export function compileAsImage(): string {
  execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', join(repoRoot, 'images/tsconfig.build.json')], { cwd: repoRoot, stdio: 'inherit' });
  const protoDir = join(repoRoot, 'lib/proto');
  for (const file of protoFiles(protoDir)) cpSync(join(protoDir, file), join(repoRoot, 'dist/lib/proto', file));
  return join(repoRoot, 'dist/cli/akri-ts.js');
}
