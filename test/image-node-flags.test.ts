// The image starts every component with the node flags in its Dockerfile's ENTRYPOINT (read by
// the benchmarks too). --lite-mode implies --jitless, under which WebAssembly, and the global
// fetch that Node builds on it, do not exist: code that used either would work in every test
// (tsx runs without the flags) and fail only in a pod. So nothing the image runs may use them.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageNodeFlags, repoRoot } from '../bench/compiled.ts';

function files(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, ext));
    else if (ext.test(name)) out.push(path);
  }
  return out;
}

/** What the image compiles (images/tsconfig.build.json), tests left out. */
const production = ['agent', 'controller', 'discovery-handlers', 'lib', 'cli']
  .flatMap((d) => files(join(repoRoot, d), /\.ts$/))
  .filter((f) => !/\.test\.ts$/.test(f) && !relative(repoRoot, f).startsWith('cli/start'));

const dependencies = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

describe("the image's node flags", () => {
  const flags = imageNodeFlags();

  it('start node with nothing on stderr (no V8 warning in every pod log)', () => {
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('run V8 in lite mode, where fetch fails for want of WebAssembly (so the tests below matter)', () => {
    expect(flags).toContain('--lite-mode');
    const run = spawnSync(process.execPath, [...flags, '-e', "fetch('http://127.0.0.1:9').catch(() => undefined)"], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/WebAssembly is not defined/);
  });

  it('production code uses neither WebAssembly nor the global fetch', () => {
    const users = production.filter((f) => /\bWebAssembly\b|(?<![.\w])fetch\s*\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(repoRoot, f));
    expect(users).toEqual([]);
  });

  it('no production dependency uses WebAssembly', () => {
    const users = dependencies.flatMap((dep) =>
      files(join(repoRoot, 'node_modules', dep), /\.(c|m)?js$/)
        .filter((f) => readFileSync(f, 'utf8').includes('WebAssembly.'))
        .map((f) => relative(repoRoot, f)),
    );
    expect(users).toEqual([]);
  });
});
