// Writes crds/*.yaml from the schemas in lib/crd. Run `npm run gen:crds` after changing a
// schema; the unit test crds/crds-in-sync.test.ts fails until the YAML is regenerated.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './render.ts';

const dir = dirname(fileURLToPath(import.meta.url));
for (const [file, text] of Object.entries(renderCrdFiles())) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote crds/${file}`);
}
