// The Configuration-level resource on the real kubelet, served by the agent's own plugin
// backends over its slot ledger and device store (the API writes of the ledger stay in
// memory): like Akri, akri.sh/<configuration> offers at most one free virtual device per
// Instance, so two lights of capacity 2 are 2, not 4; a broker asking for two gets two
// different lights, each with its own environment; and a slot held through the Configuration
// stops being offered through the Instance's own resource.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DevicePluginSet } from '../../agent/device-plugin/device-plugin-set.ts';
import type { DevicePluginServer } from '../../agent/device-plugin/device-plugin-server.ts';
import { ConfigurationPluginBackend, InstancePluginBackend, type BackendHooks } from '../../agent/device-plugin/plugin-backends.ts';
import { SlotLedger } from '../../agent/device-plugin/slot-ledger.ts';
import { DeviceStore } from '../../agent/devices/device-store.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { brokerPod, createPod, until, waitForNodeResource, waitForPhase } from './support/broker-pods.ts';

const cluster = useTestCluster('node-cfg');
const nodeName = inject('nodeName');
const image = inject('brokerImage');

/** Two lights, each with two slots, as this node's discovery reported them. */
const lights = [
  { key: 'e1e2e3', light: 'porch' },
  { key: 'f1f2f3', light: 'gate' },
].map((l) => ({ ...l, instance: `lights-${l.key}` }));
let plugins: DevicePluginSet;
const served: DevicePluginServer[] = [];
const ledger = new SlotLedger({
  node: nodeName,
  write: async () => 'written',
  onChange: () => served.forEach((p) => p.update()),
  persist: async () => undefined,
});
const devices = new DeviceStore();
const hooks: BackendHooks = { claimed: () => undefined, refused: () => undefined, latency: () => undefined };

beforeAll(async () => {
  devices.publish(
    'default/lights',
    lights.map((l) => ({
      configuration: 'default/lights',
      key: l.key,
      instance: { namespace: 'default', name: l.instance },
      id: l.light,
      properties: { LIGHT: l.light },
      mounts: [],
      deviceSpecs: [],
      shared: false,
    })),
  );
  for (const l of lights) {
    ledger.upsert({ namespace: 'default', name: l.instance, configurationName: 'lights', capacity: 2, brokerProperties: { LIGHT: l.light }, listsNode: true, remoteUsage: {} });
  }
  const sources = { ledger, devices };
  plugins = new DevicePluginSet({ pluginDir: inject('devicePluginDir'), logger: new Logger({ component: 'node-test' }, 'warn', new MemorySink()), pollMs: 200 });
  plugins.start();
  for (const l of lights) served.push(await plugins.add({ resourceName: `akri.sh/${l.instance}`, backend: new InstancePluginBackend(l.instance, nodeName, sources, hooks) }));
  served.push(await plugins.add({ resourceName: 'akri.sh/lights', backend: new ConfigurationPluginBackend('lights', nodeName, sources, hooks) }));
});

afterAll(async () => {
  await plugins.stop();
});

async function environment(ns: string, pod: string): Promise<string> {
  await waitForPhase(cluster.core, ns, pod, 'Running');
  return until(`${pod} to print its environment`, async () => {
    const res = await cluster.kubectl(['logs', '-n', ns, pod]);
    return res.code === 0 && res.stdout.includes('--- end ---') ? res.stdout : undefined;
  });
}

describe('the Configuration-level resource on a real kubelet', () => {
  it('offers one free virtual device per Instance (2, not 4), and a broker asking for two gets two different lights', async () => {
    const ns = cluster.namespace;
    for (const l of lights) await waitForNodeResource(cluster.core, nodeName, `akri.sh/${l.instance}`, { capacity: '2', allocatable: '2' });
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/lights', { capacity: '2', allocatable: '2' });

    await createPod(cluster.core, ns, brokerPod('two-lights', image, nodeName, { resources: { 'akri.sh/lights': '2' } }));
    const logs = await environment(ns, 'two-lights');
    expect(logs).toContain('LIGHT_E1E2E3=porch');
    expect(logs).toContain('LIGHT_F1F2F3=gate');
    for (const l of lights) {
      const held = Object.entries(ledger.usage(l.instance));
      expect(held).toHaveLength(1);
      expect(held[0]?.[1]).toMatch(new RegExp(`^C:lights-\\d+:${nodeName}$`));
    }
    // Each slot held through the Configuration is one less (Unhealthy) on the Instance's own
    // resource; each Instance's second slot is now the one free virtual device it offers, next
    // to the two the pod holds (which the kubelet keeps counting as allocated to it).
    for (const l of lights) await waitForNodeResource(cluster.core, nodeName, `akri.sh/${l.instance}`, { capacity: '2', allocatable: '1' });
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/lights', { capacity: '4', allocatable: '4' });
  });
});
