// The CRD YAML in this folder must be exactly what the TypeScript schemas render.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderCrdFiles } from './render.ts';

const dir = dirname(fileURLToPath(import.meta.url));

describe('committed CRD YAML', () => {
  for (const [file, rendered] of Object.entries(renderCrdFiles())) {
    it(`crds/${file} matches the schema in lib/crd (run npm run gen:crds if not)`, () => {
      expect(readFileSync(join(dir, file), 'utf8')).toBe(rendered);
    });
  }
});
