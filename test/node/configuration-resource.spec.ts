// The Configuration-level resource on the real kubelet, served with the agent's own ledger
// rules: a broker asking for akri.sh/<configuration> ("any device of this Configuration") is
// bound to an Instance slot, gets that Instance's environment, and the slot stops being offered
// through the Instance's own resource.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { containerAllocateResponse } from '../../agent/device-plugin/allocate-response.ts';
import { bindVirtualDevice, configurationPluginDevices, type LedgerInstance } from '../../agent/device-plugin/configuration-plugin-devices.ts';
import { DevicePluginSet } from '../../agent/device-plugin/device-plugin-set.ts';
import type { DevicePluginServer } from '../../agent/device-plugin/device-plugin-server.ts';
import { instancePluginDevices, preferredSlots } from '../../agent/device-plugin/instance-plugin-devices.ts';
import { formatHolder } from '../../agent/device-plugin/slot-usage.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { brokerPod, createPod, until, waitForNodeResource, waitForPhase } from './support/broker-pods.ts';

const cluster = useTestCluster('node-cfg');
const nodeName = inject('nodeName');
const image = inject('brokerImage');

/** One Instance's slot ledger (Instance.spec.deviceUsage), in memory. */
const instance: LedgerInstance & { deviceUsage: Record<string, string> } = { name: 'lights-e1e2e3', capacity: 2, deviceUsage: {} };
const properties = { LIGHT: 'porch' };
let plugins: DevicePluginSet;
const served: DevicePluginServer[] = [];
const changed = (): void => served.forEach((p) => p.update());

beforeAll(async () => {
  plugins = new DevicePluginSet({ pluginDir: inject('devicePluginDir'), logger: new Logger({ component: 'node-test' }, 'warn', new MemorySink()), pollMs: 200 });
  plugins.start();
  served.push(
    await plugins.add({
      resourceName: `akri.sh/${instance.name}`,
      backend: {
        devices: () => instancePluginDevices(instance.name, instance.capacity, instance.deviceUsage, nodeName),
        preferred: (available, must, size) => preferredSlots(available, must, size, instance.deviceUsage, nodeName),
        allocate: () => Promise.reject(new Error('this test asks for the Configuration resource only')),
      },
    }),
    await plugins.add({
      resourceName: 'akri.sh/lights',
      backend: {
        devices: () => configurationPluginDevices('lights', [instance], nodeName),
        preferred: (available, must, size) => [...must, ...[...available].filter((id) => !must.includes(id)).sort()].slice(0, Math.max(size, must.length)),
        async allocate(virtualDevices) {
          const bound = virtualDevices.map((vd) => {
            const binding = bindVirtualDevice(vd, [instance], nodeName);
            if (!binding) throw new Error(`no free slot of Configuration lights for ${vd}`);
            instance.deviceUsage[binding.slot] = formatHolder({ kind: 'configuration', virtualDevice: vd, node: nodeName });
            return binding;
          });
          changed();
          return containerAllocateResponse(bound.map(() => ({ hash: instance.name.slice(-6), brokerProperties: properties, mounts: [], deviceSpecs: [] })));
        },
      },
    }),
  );
});

afterAll(async () => {
  await plugins.stop();
});

describe('the Configuration-level resource on a real kubelet', () => {
  it('a broker asking for any device of the Configuration is bound to an Instance slot and gets its environment', async () => {
    const ns = cluster.namespace;
    await waitForNodeResource(cluster.core, nodeName, `akri.sh/${instance.name}`, { capacity: '2', allocatable: '2' });
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/lights', { capacity: '2', allocatable: '2' });

    await createPod(cluster.core, ns, brokerPod('any-light', image, nodeName, { resources: { 'akri.sh/lights': '1' } }));
    await waitForPhase(cluster.core, ns, 'any-light', 'Running');
    const logs = await until('the broker to print its environment', async () => {
      const res = await cluster.kubectl(['logs', '-n', ns, 'any-light']);
      return res.code === 0 && res.stdout.includes('--- end ---') ? res.stdout : undefined;
    });
    expect(logs).toContain('LIGHT=porch');
    expect(logs).toContain('LIGHT_E1E2E3=porch');

    expect(Object.keys(instance.deviceUsage)).toEqual(['lights-e1e2e3-0']);
    expect(instance.deviceUsage['lights-e1e2e3-0']).toMatch(new RegExp(`^C:lights-[01]:${nodeName}$`));
    // The slot is held through the Configuration, so the Instance's own resource offers one less.
    await waitForNodeResource(cluster.core, nodeName, `akri.sh/${instance.name}`, { capacity: '2', allocatable: '1' });
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/lights', { capacity: '2', allocatable: '2' });
  });
});
