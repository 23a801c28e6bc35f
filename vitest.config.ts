// Test tiers. "unit": pure logic, no cluster and no peers, in seconds. "peers": real
// protocol peers (camera simulator, OPC UA servers, libmodbus/pymodbus, umockdev, btvirt) on
// loopback or ptys, no cluster; files named *.peer.test.ts. "hostile": generated hostile input
// for every class of issue 16 (rules, filters, files, flooding and harvesting peers), each with
// a time and memory bound (docs/hostile-input-bounds.md); test/hostile/*.hostile.test.ts.
// "integration": a real etcd + kube-apiserver (+ scheduler and controller-manager) started
// once per run. "soak": issue 20's seeded soak under faults (test/soak), three minutes with a
// fixed seed, on a control plane of its own (it stops the API server and pauses etcd); it runs
// after the other tiers (groupOrder), alone, so that it neither slows them nor is slowed by them.
import { defineConfig } from 'vitest/config';

const everywhere = '{agent,controller,discovery-handlers,crds,dashboards,lib,cli,simulators,test}/**';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [`${everywhere}/*.test.ts`],
          exclude: ['test/integration/**', '**/*.peer.test.ts', '**/*.hostile.test.ts', '**/*.soak.test.ts', '**/node_modules/**'],
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
          name: 'hostile',
          include: ['test/hostile/**/*.hostile.test.ts'],
          testTimeout: 180_000,
          // Time bounds are measured: one file at a time, so the suite does not load itself.
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
      {
        test: {
          name: 'soak',
          include: ['test/soak/**/*.soak.test.ts'],
          testTimeout: 480_000,
          pool: 'forks',
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
