// Our device plugins against the kubelet stand-in: registration order, snapshots, allocation,
// a kubelet restart, and a plugin going away without leaving stale capacity.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeletStandIn } from '../../test/kubelet-stand-in/kubelet-stand-in.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { containerAllocateResponse } from './allocate-response.ts';
import { DevicePluginSet } from './device-plugin-set.ts';
import type { DevicePluginBackend } from './device-plugin-server.ts';
import { instancePluginDevices, preferredSlots } from './instance-plugin-devices.ts';
import { formatHolder } from './slot-usage.ts';

/** A slot ledger in memory, standing in for Instance.spec.deviceUsage; `hash` is the device's key. */
function ledger(instance: string, capacity: number, node: string, hash = 'd34504') {
  const usage: Record<string, string> = {};
  const backend: DevicePluginBackend = {
    devices: () => instancePluginDevices(instance, capacity, usage, node),
    preferred: (available, must, size) => preferredSlots(available, must, size, usage, node),
    async allocate(ids) {
      for (const id of ids) {
        const holder = usage[id];
        if (holder && holder !== node) throw new Error(`slot ${id} is held by ${holder}`);
      }
      for (const id of ids) usage[id] = formatHolder({ kind: 'instance', node });
      return containerAllocateResponse([{ hash, brokerProperties: { P: 'v' }, mounts: [], deviceSpecs: [] }]);
    },
  };
  return { usage, backend };
}

let dir: string;
let kubelet: KubeletStandIn;
let plugins: DevicePluginSet;
const sink = new MemorySink();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akri-dp-'));
  kubelet = new KubeletStandIn({ kubeletDir: dir });
  await kubelet.start();
  plugins = new DevicePluginSet({ pluginDir: kubelet.devicePluginDir, logger: new Logger({ component: 'test' }, 'debug', sink), pollMs: 100 });
  plugins.start();
});

afterEach(async () => {
  await plugins.stop();
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pod = (uid: string, resource: string) => ({ uid, name: uid, namespace: 'ns', containers: [{ name: 'broker', requests: { [resource]: 1 } }] });

describe('device plugins and the kubelet', () => {
  it('a plugin is registered with its slots as devices, and allocations follow the ledger', async () => {
    const { usage, backend } = ledger('cams-d34504', 2, 'node-a');
    await plugins.add({ resourceName: 'akri.sh/cams-d34504', backend });
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cams-d34504']?.allocatable === 2, 5000, 'two slots');

    const first = await kubelet.admitPod(pod('p1', 'akri.sh/cams-d34504'));
    expect(first.admitted && first.allocations[0]?.response.envs).toEqual({ P: 'v', P_D34504: 'v' });
    expect(usage).toEqual({ 'cams-d34504-0': 'node-a' });
  });

  it('another node taking a slot makes it Unhealthy here, so the kubelet stops offering it', async () => {
    const { usage, backend } = ledger('cams-d34504', 2, 'node-a');
    const plugin = await plugins.add({ resourceName: 'akri.sh/cams-d34504', backend });
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cams-d34504']?.allocatable === 2, 5000, 'two slots');
    usage['cams-d34504-1'] = 'node-b';
    plugin.update();
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cams-d34504']?.allocatable === 1, 5000, 'one free slot');
    expect(kubelet.devices('akri.sh/cams-d34504')).toEqual({ 'cams-d34504-0': 'Healthy', 'cams-d34504-1': 'Unhealthy' });
  });

  it('every plugin registers again quickly after the kubelet restarts, with the same capacity', async () => {
    for (let i = 0; i < 20; i++) {
      await plugins.add({ resourceName: `akri.sh/dev-${i}`, backend: ledger(`dev-${i}`, 3, 'node-a').backend });
    }
    await kubelet.waitFor(
      () => Object.values(kubelet.capacity()).filter((c) => c.allocatable === 3).length === 20,
      10_000,
      '20 resources with 3 slots each',
    );
    const before = kubelet.capacity();
    const restartedAt = Date.now();
    await kubelet.restart();
    await kubelet.waitFor(
      () => Object.values(kubelet.capacity()).filter((c) => c.allocatable === 3).length === 20,
      5000,
      'all 20 resources back',
    );
    expect(Date.now() - restartedAt).toBeLessThan(2000);
    expect(kubelet.capacity()).toEqual(before);
  });

  it('a removed plugin reports no devices before it goes, leaving no stale capacity', async () => {
    await plugins.add({ resourceName: 'akri.sh/gone-aaaaaa', backend: ledger('gone-aaaaaa', 2, 'node-a').backend });
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/gone-aaaaaa']?.capacity === 2, 5000, 'two slots');
    await plugins.remove('akri.sh/gone-aaaaaa');
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/gone-aaaaaa']?.capacity === 0, 5000, 'capacity 0');
    expect(kubelet.capacity()['akri.sh/gone-aaaaaa']).toEqual({ capacity: 0, allocatable: 0 });
  });

  it('a plugin added while the kubelet is down registers once it is back', async () => {
    await kubelet.stop();
    const added = plugins.add({ resourceName: 'akri.sh/late-bbbbbb', backend: ledger('late-bbbbbb', 1, 'node-a').backend });
    await added;
    expect(kubelet.isRegistered('akri.sh/late-bbbbbb')).toBe(false);
    await kubelet.start();
    await kubelet.waitFor(() => kubelet.isRegistered('akri.sh/late-bbbbbb'), 5000, 'late registration');
  });
});
