// The committed generated types must be exactly what lib/proto/generate.sh produces.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

it('lib/proto/generated matches the .proto files (run lib/proto/generate.sh if not)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'akri-ts-gen-'));
  try {
    execFileSync('bash', [join(here, 'generate.sh'), tmp], { stdio: 'pipe' });
    expect(files(join(here, 'generated'))).toEqual(files(tmp));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 30_000);
