// The real-node tier: a control plane plus containerd and the real kubelet, started once by
// global-setup.ts. Its specs are `*.spec.ts`, so the unit project's `*.test.ts` glob never
// picks them up without the node. Run: npx vitest run --config test/node/vitest.node.config.ts
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  test: {
    root,
    name: 'node',
    include: ['test/node/**/*.spec.ts'],
    globalSetup: ['test/node/global-setup.ts'],
    // One node, two shared cores: files take turns, and pods take seconds, not milliseconds.
    fileParallelism: false,
    // Worker threads die with the main process. A forked worker outlived a SIGKILLed run and
    // kept its device plugins registering with every later kubelet on this machine.
    pool: 'threads',
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
