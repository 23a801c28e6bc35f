// Three test tiers. "unit": pure logic, no cluster and no peers, in seconds. "peers": real
// protocol peers (camera simulator, OPC UA servers, libmodbus/pymodbus, umockdev, btvirt) on
// loopback or ptys, no cluster; files named *.peer.test.ts. "integration": a real etcd +
// kube-apiserver (+ scheduler and controller-manager) started once per run.
import { defineConfig } from 'vitest/config';

const everywhere = '{agent,controller,discovery-handlers,crds,dashboards,lib,cli,simulators,test}/**';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [`${everywhere}/*.test.ts`],
          exclude: ['test/integration/**', '**/*.peer.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'peers',
          include: [`${everywhere}/*.peer.test.ts`],
          exclude: ['test/integration/**', '**/node_modules/**'],
          testTimeout: 60_000,
          // Peers bind ports, ptys and network namespaces: one file at a time.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/control-plane/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: the control plane needs one; test files take turns on the other.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
