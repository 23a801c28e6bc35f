// Two test tiers: "unit" needs no cluster and runs in seconds; "integration" runs against a
// real etcd + kube-apiserver (+ scheduler and controller-manager) started once per run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two cores: the control plane needs one; test files take turns on the other.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{agent,controller,discovery-handlers,crds,lib,cli,test}/**/*.test.ts'],
          exclude: ['test/integration/**', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/control-plane/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
