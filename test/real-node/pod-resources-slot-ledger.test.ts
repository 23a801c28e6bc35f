// The test ledger's freeing rule, against the kubelet stand-in's pod-resources API: a slot is
// freed only after pod-resources has shown it unused for the whole grace period, and never
// while the kubelet does not answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevicePluginSet } from '../../agent/device-plugin/device-plugin-set.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { KubeletStandIn } from '../kubelet-stand-in/kubelet-stand-in.ts';
import { PodResourcesSlotLedger } from './pod-resources-slot-ledger.ts';

let dir: string;
let kubelet: KubeletStandIn;
let plugins: DevicePluginSet;
let ledger: PodResourcesSlotLedger;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akri-ts-ledger-'));
  kubelet = new KubeletStandIn({ kubeletDir: dir });
  await kubelet.start();
  plugins = new DevicePluginSet({ pluginDir: kubelet.devicePluginDir, logger: new Logger({}, 'warn', new MemorySink()), pollMs: 50 });
  plugins.start();
  ledger = new PodResourcesSlotLedger({
    instance: 'door-c0ffee',
    capacity: 1,
    node: 'node-a',
    properties: { DOOR: 'front' },
    podResourcesSocket: kubelet.podResourcesSocket,
    pollMs: 50,
    graceMs: 400,
  });
  const plugin = await plugins.add({ resourceName: ledger.resourceName, backend: ledger });
  ledger.onChange = () => plugin.update();
  ledger.start();
  await kubelet.waitFor(() => kubelet.capacity()[ledger.resourceName]?.allocatable === 1, 5000, 'one free slot');
});

afterEach(async () => {
  ledger.stop();
  await plugins.stop();
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pod = { uid: 'p1', name: 'p1', namespace: 'ns', containers: [{ name: 'broker', requests: { 'akri.sh/door-c0ffee': 1 } }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a slot ledger freed through pod-resources', () => {
  it('reports a claimed slot Unhealthy and frees it only after the grace period without a holder', async () => {
    const admitted = await kubelet.admitPod(pod);
    expect(admitted.admitted && admitted.allocations[0]?.response.envs).toEqual({ DOOR: 'front', DOOR_C0FFEE: 'front' });
    await kubelet.waitFor(() => kubelet.devices(ledger.resourceName)['door-c0ffee-0'] === 'Unhealthy', 5000, 'claimed slot Unhealthy');
    await sleep(600);
    expect(ledger.usage).toEqual({ 'door-c0ffee-0': 'node-a' });

    const removedAt = Date.now();
    kubelet.removePod('p1');
    await kubelet.waitFor(() => kubelet.devices(ledger.resourceName)['door-c0ffee-0'] === 'Healthy', 5000, 'slot Healthy again');
    const freed = ledger.events.find((e) => e.kind === 'freed');
    expect(freed?.at).toBeGreaterThanOrEqual(removedAt + 400);
    expect(ledger.usage).toEqual({ 'door-c0ffee-0': '' });
  });

  it('keeps every claim while the kubelet does not answer', async () => {
    await kubelet.admitPod(pod);
    await kubelet.stop();
    await sleep(800);
    expect(ledger.lastPollError).toMatch(/pod-resources List/);
    expect(ledger.usage).toEqual({ 'door-c0ffee-0': 'node-a' });
    expect(ledger.events.map((e) => e.kind)).toEqual(['claimed']);
  });
});
