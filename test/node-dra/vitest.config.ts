// The DRA node tier: the real kubelet on containerd 2 with CDI (global-setup.ts), for specs that
// prepare ResourceClaims through our DRA plugin. Separate from test/node because it needs
// another container runtime; the node lock makes the two tiers take turns on this machine.
// Run: npx vitest run --config test/node-dra/vitest.config.ts (npm run test:node runs both).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  test: {
    root,
    name: 'node-dra',
    include: ['test/node-dra/**/*.spec.ts'],
    globalSetup: ['test/node-dra/global-setup.ts'],
    fileParallelism: false,
    pool: 'threads',
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
