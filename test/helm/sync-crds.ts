// Copies the generated CRDs (crds/*.yaml) into the chart (helm/crds/). Run after gen:crds.
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chartDir, repoRoot } from './helm-cli.ts';

for (const f of readdirSync(join(chartDir, 'crds'))) rmSync(join(chartDir, 'crds', f));
for (const f of readdirSync(join(repoRoot, 'crds')).filter((n) => n.endsWith('.yaml'))) {
  copyFileSync(join(repoRoot, 'crds', f), join(chartDir, 'crds', f));
  process.stdout.write(`helm/crds/${f}\n`);
}
