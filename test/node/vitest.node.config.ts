// The real-node tier: a control plane plus containerd, the real kubelet and kube-proxy, started
// once by global-setup.ts. Its specs are `*.spec.ts`, so the unit project's `*.test.ts` glob never
// picks them up without the node. Run: npx vitest run --config test/node/vitest.node.config.ts
// With AKRI_TS_NODE_DISTRO=microk8s the kubelet is laid out as MicroK8s lays it out, and only the
// chart's preset spec runs (`npm run test:node` runs both).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  test: {
    root,
    name: 'node',
    include: (process.env.AKRI_TS_NODE_DISTRO ?? 'k8s') === 'k8s' ? ['test/node/**/*.spec.ts'] : ['test/node/chart-preset.spec.ts'],
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
