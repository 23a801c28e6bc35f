// What a resident process loads at start: the packages reachable from each entry point through
// static value imports (type-only imports are erased; import() runs only when its code does).
// Each heavy package below cost a process megabytes when it was loaded without being needed
// (bench/footprint.bench.ts measures the whole); this keeps them out of the processes that
// stay up on every node.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Modules a file loads when it is loaded: static imports and re-exports that are not type-only. */
export function staticValueImports(source: string): string[] {
  const out: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) {
    if (m[5]) out.push(m[5]);
    else if (m[4] && !m[2]) out.push(m[4]);
  }
  return out;
}

/** The bare packages a file reaches through static value imports, following relative ones. */
function packagesReached(entry: string): Map<string, string> {
  const packages = new Map<string, string>(); // package -> the first file that imports it
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticValueImports(readFileSync(join(root, file), 'utf8'))) {
      if (spec.startsWith('.')) visit(relative(root, resolve(root, dirname(file), spec)));
      else if (!spec.startsWith('node:')) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
        if (!packages.has(name)) packages.set(name, file);
      }
    }
  };
  visit(entry);
  return packages;
}

/** Never loaded by a process that stays up: the kubeconfig reader, raw requests and our own clients do their work. */
const HEAVY = ['@kubernetes/client-node', '@sinclair/typebox', 'node-opcua', 'serialport', 'modbus-serial', '@stoprocent/noble', 'listr2'];

const offenders = (entry: string, forbidden: readonly string[]): string[] =>
  [...packagesReached(entry)].filter(([name]) => forbidden.includes(name)).map(([name, file]) => `${name} (imported by ${file})`);

describe('packages a resident process loads at start', () => {
  it('reads the import forms that load a module, and not the ones that do not', () => {
    const source = [
      "import a from './a.ts';",
      "import type { B } from 'b-pkg';",
      "import { type C, d } from 'c-pkg';",
      "import {\n  e,\n  f,\n} from '@scope/e-pkg/sub';",
      "export { g } from './g.ts';",
      "export type { H } from './h.ts';",
      "import './side.ts';",
      "const lazy = await import('lazy-pkg');",
    ].join('\n');
    expect(staticValueImports(source)).toEqual(['./a.ts', 'c-pkg', '@scope/e-pkg/sub', './g.ts', './side.ts']);
  });

  it('the agent loads no heavy package (handlers come in through import() when embedded)', () => {
    expect(offenders('agent/main.ts', HEAVY)).toEqual([]);
  });

  it('the controller loads no heavy package, and no gRPC', () => {
    expect(offenders('controller/main.ts', [...HEAVY, '@grpc/grpc-js', '@grpc/proto-loader'])).toEqual([]);
  });

  it.each([
    ['debugEcho', 'discovery-handlers/debug-echo/debug-echo-handler.ts'],
    ['udev', 'discovery-handlers/udev/udev-discovery-handler.ts'],
    ['opcua', 'discovery-handlers/opcua/opcua-handler.ts'],
    ['onvif', 'discovery-handlers/onvif/onvif-handler.ts'],
    ['modbus (TCP; serialport only when a serial line opens)', 'discovery-handlers/modbus/handler.ts'],
  ])('the %s handler loads no heavy package when it is embedded or run', (_name, file) => {
    expect(offenders(file, HEAVY)).toEqual([]);
  });

  it('a handler process (akri-ts handler <name>) loads no heavy package before its handler', () => {
    expect(offenders('discovery-handlers/main.ts', HEAVY)).toEqual([]);
  });
});
