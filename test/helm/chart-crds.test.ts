// The chart's CRDs are the generated ones: helm/crds/ holds byte-identical copies of crds/*.yaml
// (a plain directory packages reliably; see helm/README.md). Refresh: tsx test/helm/sync-crds.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartDir, repoRoot } from './helm-cli.ts';

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('the chart CRDs', () => {
  it('are exactly the generated files in crds/', () => {
    const generated = yamlFiles(join(repoRoot, 'crds'));
    expect(generated.length).toBeGreaterThan(0);
    expect(yamlFiles(join(chartDir, 'crds'))).toEqual(generated);
    for (const f of generated) {
      expect(readFileSync(join(chartDir, 'crds', f), 'utf8'), `helm/crds/${f} differs from crds/${f}: run tsx test/helm/sync-crds.ts`).toBe(
        readFileSync(join(repoRoot, 'crds', f), 'utf8'),
      );
    }
  });
});
