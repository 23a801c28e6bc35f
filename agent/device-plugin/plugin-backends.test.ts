// What the two kinds of plugin answer the kubelet, over a ledger whose API writes are injected.
import { describe, expect, it } from 'vitest';
import { ConfigurationPluginBackend, InstancePluginBackend, type BackendHooks } from './plugin-backends.ts';
import { SlotLedger, type WriteOutcome } from './slot-ledger.ts';
import { DeviceStore } from '../devices/device-store.ts';

function setup(answer: (instance: string, usage: Record<string, string>) => WriteOutcome = () => 'written') {
  const refused: string[] = [];
  const hooks: BackendHooks = { claimed: () => undefined, refused: (_i, m) => refused.push(m), latency: () => undefined };
  const ledger = new SlotLedger({
    node: 'node-a',
    write: async (_ns, instance, usage) => answer(instance, usage),
    onChange: () => undefined,
    persist: async () => undefined,
  });
  for (const name of ['cam-aaaaaa', 'cam-bbbbbb']) {
    ledger.upsert({ namespace: 'default', name, configurationName: 'cam', capacity: 1, brokerProperties: { DESC: name }, listsNode: true, remoteUsage: {} });
  }
  const devices = new DeviceStore();
  devices.publish(
    'default/cam',
    ['aaaaaa', 'bbbbbb'].map((key) => ({
      configuration: 'default/cam',
      key,
      instance: { namespace: 'default', name: `cam-${key}` },
      id: key,
      properties: {},
      mounts: key === 'aaaaaa' ? [{ containerPath: '/c', hostPath: '/h', readOnly: false }] : [],
      deviceSpecs: [],
      shared: true,
    })),
  );
  return { ledger, hooks, refused, sources: { ledger, devices } };
}

describe('the Instance plugin', () => {
  it('answers a repeated Allocate for a slot it holds with the identical response', async () => {
    const { sources, hooks } = setup();
    const plugin = new InstancePluginBackend('cam-aaaaaa', 'node-a', sources, hooks);
    const first = await plugin.allocate(['cam-aaaaaa-0']);
    expect(first.envs).toEqual({ DESC: 'cam-aaaaaa', DESC_AAAAAA: 'cam-aaaaaa' });
    expect(first.mounts).toEqual([{ containerPath: '/c', hostPath: '/h', readOnly: false }]);
    expect(await plugin.allocate(['cam-aaaaaa-0'])).toEqual(first);
  });
  it('claims during GetPreferredAllocation and prefers nothing it could not claim', async () => {
    const { sources, hooks } = setup(() => 'conflict');
    const plugin = new InstancePluginBackend('cam-aaaaaa', 'node-a', sources, hooks);
    expect(await plugin.preferred(['cam-aaaaaa-0'], [], 1)).toEqual([]);
    await expect(plugin.allocate(['cam-aaaaaa-0'])).rejects.toThrow(/unable to claim slot cam-aaaaaa-0 on node node-a/);
  });
  it('refuses a slot whose device this node’s discovery does not know, claiming nothing', async () => {
    const { sources, hooks, refused, ledger } = setup();
    sources.devices.forget('default/cam');
    await expect(new InstancePluginBackend('cam-aaaaaa', 'node-a', sources, hooks).allocate(['cam-aaaaaa-0'])).rejects.toThrow(
      /the device of Instance cam-aaaaaa is not known to the discovery of node node-a/,
    );
    expect(refused).toHaveLength(1);
    expect(ledger.held()).toEqual([]);
  });

  it('refuses an id that is not one of its slots', async () => {
    const { sources, hooks, refused } = setup();
    await expect(new InstancePluginBackend('cam-aaaaaa', 'node-a', sources, hooks).allocate(['cam-aaaaaa-7'])).rejects.toThrow(/not a slot/);
    expect(refused).toHaveLength(1);
  });
});

describe('the Configuration plugin', () => {
  it('gives a pod asking for two virtual devices two different devices, never two slots of one', async () => {
    const { sources, hooks, ledger } = setup();
    for (const name of ['cam-aaaaaa', 'cam-bbbbbb']) {
      ledger.upsert({ namespace: 'default', name, configurationName: 'cam', capacity: 2, brokerProperties: { DESC: name }, listsNode: true, remoteUsage: {} });
    }
    const plugin = new ConfigurationPluginBackend('cam', 'node-a', sources, hooks);
    expect(plugin.devices().map((d) => d.ID)).toEqual(['cam-0', 'cam-1']);
    // cam-aaaaaa's own plugin already gave one of its slots away: it is now the busier one.
    await ledger.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
    const chosen = await plugin.preferred(['cam-0', 'cam-1'], [], 2);
    expect(chosen).toEqual(['cam-0', 'cam-1']);
    const res = await plugin.allocate(chosen);
    expect(Object.keys(res.envs ?? {}).sort()).toEqual(['DESC', 'DESC_AAAAAA', 'DESC_BBBBBB']);
    expect(ledger.usage('cam-aaaaaa')).toEqual({ 'cam-aaaaaa-0': 'node-a', 'cam-aaaaaa-1': 'C:cam-1:node-a' });
    expect(ledger.usage('cam-bbbbbb')).toEqual({ 'cam-bbbbbb-0': 'C:cam-0:node-a' });
    // cam-aaaaaa is full; cam-bbbbbb's second slot shows as one more virtual device.
    expect(plugin.devices().map((d) => d.ID)).toEqual(['cam-0', 'cam-1', 'cam-2']);
  });

  it('binds a virtual device to the next Instance when another node won the first', async () => {
    const { ledger, sources, hooks } = setup((instance) => (instance === 'cam-aaaaaa' ? 'conflict' : 'written'));
    const plugin = new ConfigurationPluginBackend('cam', 'node-a', sources, hooks);
    expect(plugin.devices().map((d) => d.ID)).toEqual(['cam-0', 'cam-1']);
    expect(await plugin.preferred(['cam-0', 'cam-1'], [], 1)).toEqual(['cam-0']);
    expect(ledger.usage('cam-bbbbbb')).toEqual({ 'cam-bbbbbb-0': 'C:cam-0:node-a' });
    const res = await plugin.allocate(['cam-0']);
    expect(res.envs?.DESC).toBe('cam-bbbbbb');
  });
});
