// The node tier's test of `npm start` itself with a real kubelet (npm-start-kubelet.spec.ts). It
// has no global setup: npm start brings up its own control plane and node, and the machine-wide
// node lock allows one real node, so it runs apart from the node tier's shared node (after it, in
// `npm run test:node`). Run: npx vitest run --config test/node-start/vitest.config.ts
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  test: {
    root,
    name: 'node-start',
    include: ['test/node-start/**/*.spec.ts'],
    fileParallelism: false,
    // Worker threads die with the main process (see test/node/vitest.node.config.ts).
    pool: 'threads',
    testTimeout: 1_200_000,
  },
});
