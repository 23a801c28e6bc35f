// The stand-in must behave as the kubelet does, or tests built on it prove nothing.
import { credentials } from '@grpc/grpc-js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { podResourcesProto } from '../../lib/proto/load.ts';
import type { PodResourcesListerClient } from '../../lib/proto/generated/v1/PodResourcesLister.ts';
import type { ListPodResourcesResponse__Output } from '../../lib/proto/generated/v1/ListPodResourcesResponse.ts';
import { HEALTHY, KubeletStandIn, UNHEALTHY } from './kubelet-stand-in.ts';
import { TestPlugin } from './test-plugin.ts';
import { unary } from './grpc-util.ts';

let dir: string;
let kubelet: KubeletStandIn;
let plugin: TestPlugin;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-'));
  kubelet = new KubeletStandIn({ kubeletDir: dir, endpointGracePeriodMs: 60_000 });
  await kubelet.start();
  plugin = new TestPlugin(kubelet.devicePluginDir, 'akri.sh/cam-abcdef', 'cam-abcdef.sock');
});

afterEach(async () => {
  await plugin.stop();
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

const devices = (n: number, health = HEALTHY) => Array.from({ length: n }, (_, i) => ({ ID: `cam-abcdef-${i}`, health }));

describe('the kubelet stand-in', () => {
  it('refuses to register a plugin that is not serving yet', async () => {
    await expect(plugin.register()).rejects.toThrow(/failed to dial device plugin/);
    expect(kubelet.isRegistered('akri.sh/cam-abcdef')).toBe(false);
  });

  it('asks for the plugin options before Register returns, then consumes ListAndWatch', async () => {
    plugin.setDevices(devices(2));
    await plugin.serve();
    await plugin.register();
    const at = (call: string) => plugin.calls.indexOf(call);
    expect(at('Register:start')).toBe(0);
    expect(at('GetDevicePluginOptions')).toBeGreaterThan(at('Register:start'));
    expect(at('GetDevicePluginOptions')).toBeLessThan(at('Register:done'));
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.allocatable === 2, 5000, 'two devices');
  });

  it('replaces the whole device set with every ListAndWatch message', async () => {
    plugin.setDevices(devices(3));
    await plugin.serve();
    await plugin.register();
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.capacity === 3, 5000, 'three devices');
    plugin.setDevices([{ ID: 'cam-abcdef-0', health: HEALTHY }, { ID: 'cam-abcdef-1', health: UNHEALTHY }]);
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.capacity === 2, 5000, 'two devices');
    expect(kubelet.capacity()['akri.sh/cam-abcdef']).toEqual({ capacity: 2, allocatable: 1 });
  });

  it('keeps capacity but drops allocatable to 0 when the plugin goes away', async () => {
    plugin.setDevices(devices(2));
    await plugin.serve();
    await plugin.register();
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.allocatable === 2, 5000, 'two devices');
    await plugin.stop();
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.allocatable === 0, 5000, 'allocatable 0');
    expect(kubelet.capacity()['akri.sh/cam-abcdef']?.capacity).toBe(2);
  });

  it('admits pods with the plugin\'s preferred devices, refuses when none is free, and frees on removal', async () => {
    plugin.setDevices(devices(2));
    plugin.prefer = ['cam-abcdef-1'];
    await plugin.serve();
    await plugin.register();
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.allocatable === 2, 5000, 'two devices');
    const pod = (uid: string) => ({ uid, name: uid, namespace: 'ns', containers: [{ name: 'c', requests: { 'akri.sh/cam-abcdef': 1 } }] });

    const first = await kubelet.admitPod(pod('p1'));
    expect(first.admitted && first.allocations[0]?.deviceIds).toEqual(['cam-abcdef-1']);
    expect(first.admitted && first.allocations[0]?.response.envs).toEqual({ SLOTS: 'cam-abcdef-1' });
    const second = await kubelet.admitPod(pod('p2'));
    expect(second.admitted && second.allocations[0]?.deviceIds).toEqual(['cam-abcdef-0']);
    const third = await kubelet.admitPod(pod('p3'));
    expect(third).toMatchObject({ admitted: false, reason: 'UnexpectedAdmissionError' });
    expect(!third.admitted && third.message).toContain('Requested: 1, Available: 0');

    const client = new (podResourcesProto().PodResourcesLister)(`unix://${kubelet.podResourcesSocket}`, credentials.createInsecure()) as PodResourcesListerClient;
    const listed = await unary<object, ListPodResourcesResponse__Output>(client.List.bind(client), {}, 5000);
    expect(listed.podResources.map((p) => [p.name, p.containers[0]?.devices[0]?.deviceIds])).toEqual([
      ['p1', ['cam-abcdef-1']],
      ['p2', ['cam-abcdef-0']],
    ]);
    kubelet.removePod('p1');
    const fourth = await kubelet.admitPod(pod('p4'));
    expect(fourth.admitted && fourth.allocations[0]?.deviceIds).toEqual(['cam-abcdef-1']);
    client.close();
  });

  it('fails admission when Allocate fails, and keeps nothing allocated', async () => {
    plugin.setDevices(devices(1));
    plugin.failAllocate = true;
    await plugin.serve();
    await plugin.register();
    await kubelet.waitFor(() => kubelet.capacity()['akri.sh/cam-abcdef']?.allocatable === 1, 5000, 'one device');
    const res = await kubelet.admitPod({ uid: 'p', name: 'p', namespace: 'ns', containers: [{ name: 'c', requests: { 'akri.sh/cam-abcdef': 1 } }] });
    expect(res).toMatchObject({ admitted: false, reason: 'UnexpectedAdmissionError' });
    expect(kubelet.listPodResources().podResources).toEqual([]);
  });

  it('on restart deletes the plugin sockets and forgets registrations until plugins register again', async () => {
    plugin.setDevices(devices(1));
    await plugin.serve();
    await plugin.register();
    const socket = join(kubelet.devicePluginDir, 'cam-abcdef.sock');
    expect(existsSync(socket)).toBe(true);
    await kubelet.restart();
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(kubelet.kubeletSocket)).toBe(true);
    expect(kubelet.isRegistered('akri.sh/cam-abcdef')).toBe(false);
    expect(kubelet.capacity()).toEqual({});
  });

  it('refuses a resource name without a domain', async () => {
    plugin = new TestPlugin(kubelet.devicePluginDir, 'cam', 'cam.sock');
    await plugin.serve();
    await expect(plugin.register()).rejects.toThrow(/invalid extended resource name/);
  });
});
