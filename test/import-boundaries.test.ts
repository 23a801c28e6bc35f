// Production code never reaches into test/ or bench/, and the image's compile set is closed:
// every file images/tsconfig.build.json compiles imports only files it also compiles. The image
// copies no test/, so a stray import there would fail the image's tsc step (issue 17), and a
// helper in test/ would silently become part of what runs on a node.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const isTest = (path: string) => /\.(peer\.|fuzz\.|hostile\.)?test\.ts$/.test(path);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every relative module a file names: static imports, re-exports and import('...') with a literal. */
export function relativeImports(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    if (m[1]) specs.push(m[1]);
  }
  return specs;
}

function importsOf(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  return relativeImports(source).map((spec) => relative(root, resolve(root, dirname(file), spec)));
}

const production = ['agent', 'controller', 'lib', 'cli', 'discovery-handlers', 'simulators']
  .flatMap(tsFiles)
  .filter((f) => !isTest(f));

describe('import boundaries', () => {
  it('finds imports of every form it must police', () => {
    const source = `import a from './a.ts';\nexport { b } from "../b.ts";\nconst c = await import('./c/d.ts');\nimport './side.ts';\nimport x from 'node:fs';`;
    expect(relativeImports(source)).toEqual(['./a.ts', '../b.ts', './c/d.ts', './side.ts']);
  });

  it('no production file imports from test/ or bench/', () => {
    const offenders = production.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('test/') || target.startsWith('bench/'))
        .map((target) => `${file} imports ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it("every file the image compiles imports only files the image also compiles", () => {
    const config = JSON.parse(readFileSync(join(root, 'images/tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as {
      include: string[];
      exclude: string[];
    };
    const fromImages = (p: string) => relative(root, resolve(root, 'images', p));
    const includes = config.include.map(fromImages);
    const excludes = config.exclude.map(fromImages);
    const excluded = (file: string) =>
      isTest(file) ||
      excludes.some((pattern) => (pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : file === pattern));
    const compiled = new Set(includes.flatMap(tsFiles).filter((f) => !excluded(f)));
    expect(compiled.has('agent/main.ts')).toBe(true);
    expect(compiled.has('cli/akri-ts.ts')).toBe(true);
    const offenders = [...compiled].flatMap((file) =>
      importsOf(file)
        .filter((target) => target.endsWith('.ts') && !compiled.has(target))
        .map((target) => `${file} imports ${target}, which the image does not compile`),
    );
    expect(offenders).toEqual([]);
  });
});
