// Device plugins that the kubelet trusts: three agents (debugEcho embedded, shared devices)
// and three kubelet stand-ins against the real control plane. Slots are never double-booked,
// waiting pods get their turn, the kubelet restarting changes nothing, and Allocate hands the
// broker what the handler reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredDevice, DiscoveryHandler } from '../../lib/discovery/handler.ts';
import { deviceHash } from '../../lib/naming/instance-name.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, listEvents, listInstances } from './support/agent-nodes.ts';
import { DevicePluginNode, dpNodeNames } from './support/device-plugin-node.ts';

const cluster = useTestCluster('dp-slots');
const availability = new DebugEchoAvailability();
const names = dpNodeNames(3);
let nodes: DevicePluginNode[] = [];

/** A handler reporting one local device with mounts and device nodes, as udev would. */
const fixture: DiscoveryHandler = {
  name: 'fixture',
  shared: false,
  async *discover(_req, signal): AsyncIterable<DiscoveredDevice[]> {
    yield [
      {
        id: 'video0',
        properties: { FIXTURE_DEVNODE: '/dev/null', FIXTURE_MODEL: 'cam-x' },
        mounts: [{ containerPath: '/akri/data', hostPath: '/var/lib/fixture', readOnly: true }],
        deviceSpecs: [{ containerPath: '/dev/video0', hostPath: '/dev/null', permissions: 'rw' }],
      },
    ];
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  },
};

const echo = (descriptions: string[], capacity: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ${JSON.stringify(descriptions)}` },
  capacity,
  ...extra,
});

async function getInstance(name: string): Promise<Instance> {
  return kubeRequest<Instance>(cluster.kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${cluster.namespace}/instances/${name}` });
}

const node = (i: number): DevicePluginNode => {
  const n = nodes[i];
  if (!n) throw new Error(`no node ${i}`);
  return n;
};

beforeAll(async () => {
  nodes = names.map((n) => new DevicePluginNode(n, cluster.kc, cluster.namespace, { availability, extraHandlers: [fixture], slotReclaimGraceMs: 2000 }));
  await Promise.all(nodes.map((n) => n.start()));
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('a shared Instance with capacity 2, seen by 3 nodes', () => {
  const cfg = 'slots';
  const instance = `${cfg}-${deviceHash('slot-dev', true, 'x')}`;
  const resource = `akri.sh/${instance}`;

  it('is a resource with 2 slots on every node', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, cfg, echo(['slot-dev'], 2));
    for (const n of nodes) await n.kubelet.waitFor(() => n.kubelet.capacity()[resource]?.allocatable === 2, 30_000, `${resource} on ${n.name}`);
    expect(Object.keys(node(0).kubelet.devices(resource)).sort()).toEqual([`${instance}-0`, `${instance}-1`]);
    // The Configuration-level resource offers one virtual device per Instance with a free slot
    // (Akri's rule); the Instance's second slot shows there once the first is taken.
    await node(0).kubelet.waitFor(() => node(0).kubelet.capacity()[`akri.sh/${cfg}`]?.allocatable === 1, 10_000, `akri.sh/${cfg}`);
    expect(Object.keys(node(0).kubelet.devices(`akri.sh/${cfg}`)).sort()).toEqual([`${cfg}-0`]);
  });

  it('10 pods at once: never more than 2 hold a slot, the others wait, none fails admission twice, and each freed slot goes to the next', async () => {
    const pods = Array.from({ length: 10 }, (_, i) => ({ name: `pod-${i}`, node: node(i % 3), failures: 0, ran: false }));
    const refusals: string[] = [];
    const running = new Set<string>();
    let maxRunning = 0;
    let maxUsage = 0;
    const watchUsage = setInterval(() => {
      void getInstance(instance).then((i) => (maxUsage = Math.max(maxUsage, Object.values(i.spec.deviceUsage ?? {}).filter((v) => v !== '').length)), () => undefined);
    }, 100);
    const admit = async (p: (typeof pods)[number]): Promise<boolean> => {
      const res = await p.node.admit(p.name, resource);
      if (!res.admitted) {
        p.failures++;
        refusals.push(res.message);
        return false;
      }
      running.add(p.name);
      maxRunning = Math.max(maxRunning, running.size);
      return true;
    };
    try {
      // All at once, spread over the nodes, as a Deployment scaled to 10 would be.
      await Promise.all(pods.map((p) => admit(p)));
      expect(running.size).toBe(2);
      const usage = (await getInstance(instance)).spec.deviceUsage ?? {};
      expect(Object.keys(usage).sort()).toEqual([`${instance}-0`, `${instance}-1`]);
      // The waiting pods: a scheduler places one at a time on a node that shows a free slot;
      // each running pod ends after a moment and its slot must come back within the grace.
      const freedAt = new Map<string, number>();
      let waiting = pods.filter((p) => !running.has(p.name));
      const finish = (p: (typeof pods)[number]): void => {
        p.node.removePod(p.name);
        running.delete(p.name);
        p.ran = true;
        freedAt.set(p.name, Date.now());
      };
      for (const p of pods.filter((q) => running.has(q.name))) finish(p);
      const deadline = Date.now() + 90_000;
      while (waiting.length > 0 && Date.now() < deadline) {
        const p = waiting[0];
        if (!p) break;
        const target = nodes.find((n) => n.freeAllocatable(resource) > 0);
        if (!target) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        p.node = target;
        if (await admit(p)) {
          waiting = waiting.slice(1);
          // Bound pods take a moment to be seen everywhere (the scheduler's binding cycle).
          await new Promise((r) => setTimeout(r, 300));
          finish(p);
        }
      }
      expect(waiting).toEqual([]);
      expect(maxRunning).toBeLessThanOrEqual(2);
      expect(maxUsage).toBeLessThanOrEqual(2);
      expect(pods.map((p) => p.failures).filter((f) => f > 1)).toEqual([]);
      expect(pods.every((p) => p.ran)).toBe(true);
      // A claim our plugin refused (another node won the slot) is reported on the Instance.
      if (refusals.some((m) => m.includes('unable to claim'))) {
        await eventually(async () => expect((await listEvents(cluster.kc, cluster.namespace, instance)).map((e) => e.reason)).toContain('AllocateRefused'), 10_000);
      }
      // The slots come back once the last pods are gone: nothing is leaked.
      await eventually(async () => expect(Object.values((await getInstance(instance)).spec.deviceUsage ?? {}).filter((v) => v !== '')).toEqual([]), 15_000);
    } finally {
      clearInterval(watchUsage);
    }
  });

  it('a deleted pod frees its slot within the grace period, and a pod on another node takes it', async () => {
    const a = node(0);
    const b = node(1);
    expect((await a.admit('hold-1', resource)).admitted).toBe(true);
    expect((await a.admit('hold-2', resource)).admitted).toBe(true);
    await b.kubelet.waitFor(() => b.kubelet.capacity()[resource]?.allocatable === 0, 10_000, 'both slots taken, seen from node b');
    expect((await b.admit('next', resource)).admitted).toBe(false);
    const removed = Date.now();
    a.removePod('hold-1');
    await b.kubelet.waitFor(() => b.freeAllocatable(resource) === 1, 15_000, 'a slot freed, seen from node b');
    expect(Date.now() - removed).toBeLessThan(2000 + 3000);
    const res = await b.admit('next-2', resource);
    expect(res.admitted).toBe(true);
    const usage = (await getInstance(instance)).spec.deviceUsage ?? {};
    expect(Object.values(usage).sort()).toEqual([a.name, b.name].sort());
    a.removePod('hold-2');
    b.removePod('next-2');
    await eventually(async () => expect(Object.keys((await getInstance(instance)).spec.deviceUsage ?? {})).toEqual([]), 15_000);
  });

  it('an agent restarted while pods hold slots frees nothing in use, and nothing is double-booked', async () => {
    const a = node(0);
    const c = node(2);
    expect((await a.admit('keep-1', resource)).admitted).toBe(true);
    expect((await a.admit('keep-2', resource)).admitted).toBe(true);
    await a.stopAgent();
    await new Promise((r) => setTimeout(r, 1000));
    await a.startAgent().started;
    // Well past the reclaim grace: both slots stay held by node a.
    await holdsFor(async () => {
      const usage = (await getInstance(instance)).spec.deviceUsage ?? {};
      expect(Object.values(usage)).toEqual([a.name, a.name]);
    }, 5000, 500);
    await c.kubelet.waitFor(() => c.kubelet.capacity()[resource]?.allocatable === 0, 10_000, 'node c sees no free slot');
    expect((await c.admit('intruder', resource)).admitted).toBe(false);
    a.removePod('keep-1');
    a.removePod('keep-2');
    await eventually(async () => expect(Object.keys((await getInstance(instance)).spec.deviceUsage ?? {})).toEqual([]), 15_000);
  });

  it('a kubelet restart: every plugin registers again within 2 s, with unchanged capacity', async () => {
    const a = node(0);
    await a.kubelet.waitFor(() => a.kubelet.capacity()[resource]?.allocatable === 2, 10_000, 'settled');
    const before = a.kubelet.capacity();
    const resources = Object.keys(before).filter((r) => a.kubelet.isRegistered(r));
    expect(resources.length).toBeGreaterThanOrEqual(2);
    const restarted = Date.now();
    await a.kubelet.restart();
    await a.kubelet.waitFor(() => resources.every((r) => a.kubelet.isRegistered(r) && a.kubelet.capacity()[r]?.allocatable === before[r]?.allocatable), 5000, 'every plugin back');
    expect(Date.now() - restarted).toBeLessThan(2000);
    expect(a.kubelet.capacity()).toEqual(before);
    // Re-registered because of the restart: the agent may notice the new kubelet.sock or its own
    // deleted socket first (both happen in a restart), whichever its watcher sees first.
    const reregistered = (await a.metrics())
      .split('\n')
      .filter((l) => l.startsWith('akri_device_plugin_registrations_total{') && /reason="(kubelet\.sock was recreated|our socket .* was deleted)"/.test(l))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    expect(reregistered).toBeGreaterThanOrEqual(resources.length);
  });
});

describe('a Configuration-level resource', () => {
  it('hands out slots of any of its Instances, and respects capacity', async () => {
    const cfg = 'anycam';
    await applyConfiguration(cluster.kc, cluster.namespace, cfg, echo(['any-0', 'any-1'], 1));
    const a = node(0);
    const b = node(1);
    const resource = `akri.sh/${cfg}`;
    for (const n of [a, b]) await n.kubelet.waitFor(() => n.kubelet.capacity()[resource]?.allocatable === 2, 30_000, `${resource} on ${n.name}`);
    const first = await a.admit('any-pod-1', resource);
    const second = await b.admit('any-pod-2', resource);
    expect(first.admitted && second.admitted).toBe(true);
    const instances = await listInstances(cluster.kc, cluster.namespace, cfg);
    const values = instances.flatMap((i) => Object.values(i.spec.deviceUsage ?? {})).sort();
    expect(values).toHaveLength(2);
    expect(values[0]).toMatch(new RegExp(`^C:${cfg}-\\d+:${a.name}$`));
    expect(values[1]).toMatch(new RegExp(`^C:${cfg}-\\d+:${b.name}$`));
    // Each Instance's own resource now shows its one slot taken, everywhere.
    const c = node(2);
    for (const i of instances) await c.kubelet.waitFor(() => c.kubelet.capacity()[`akri.sh/${i.metadata.name ?? ''}`]?.allocatable === 0, 10_000, 'slot taken');
    // Capacity is used up: a third pod is refused on any node.
    await c.kubelet.waitFor(() => c.freeAllocatable(resource) === 0, 10_000, 'no virtual device left on node c');
    expect((await c.admit('any-pod-3', resource)).admitted).toBe(false);
    // The env names the device that was bound.
    const env = first.admitted ? first.allocations[0]?.response.envs : undefined;
    expect(env?.DEBUG_ECHO_DESCRIPTION).toMatch(/^any-[01]$/);
    a.removePod('any-pod-1');
    b.removePod('any-pod-2');
    await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, cfg);
      expect(list.flatMap((i) => Object.keys(i.spec.deviceUsage ?? {}))).toEqual([]);
    }, 15_000);
  });
});

describe('a Configuration-level resource over two Instances of capacity 2', () => {
  it('offers at most one free virtual device per Instance (2, not 4), and a pod asking for 2 gets two different devices', async () => {
    const cfg = 'pair';
    const resource = `akri.sh/${cfg}`;
    const hashes = ['pair-0', 'pair-1'].map((d) => deviceHash(d, true, 'x'));
    await applyConfiguration(cluster.kc, cluster.namespace, cfg, echo(['pair-0', 'pair-1'], 2));
    const a = node(0);
    for (const h of hashes) await a.kubelet.waitFor(() => a.kubelet.capacity()[`akri.sh/${cfg}-${h}`]?.allocatable === 2, 30_000, `${cfg}-${h}`);
    await a.kubelet.waitFor(() => a.kubelet.capacity()[resource]?.allocatable === 2, 10_000, resource);
    expect(Object.keys(a.kubelet.devices(resource))).toHaveLength(2);
    const slotsHeld = async () =>
      Object.fromEntries((await listInstances(cluster.kc, cluster.namespace, cfg)).map((i) => [i.metadata.name, Object.values(i.spec.deviceUsage ?? {}).filter((v) => v !== '').length]));
    try {
      for (const [round, pod] of ['pair-pod-1', 'pair-pod-2'].entries()) {
        // Two free virtual devices each time: one per Instance, whatever else is held.
        await a.kubelet.waitFor(() => a.freeAllocatable(resource) === 2, 10_000, 'two free virtual devices');
        const res = await a.admit(pod, resource, 2);
        if (!res.admitted) throw new Error(res.message);
        // Both devices, each with its own suffix: never the same camera twice.
        const env = res.allocations[0]?.response.envs ?? {};
        expect(hashes.map((h) => env[`DEBUG_ECHO_DESCRIPTION_${h.toUpperCase()}`]).sort()).toEqual(['pair-0', 'pair-1']);
        await eventually(async () => expect(await slotsHeld()).toEqual(Object.fromEntries(hashes.map((h) => [`${cfg}-${h}`, round + 1]))));
      }
      // Every slot is taken: nothing more to offer.
      await a.kubelet.waitFor(() => a.freeAllocatable(resource) === 0, 10_000, 'no free virtual device');
      expect((await a.admit('pair-pod-3', resource, 1)).admitted).toBe(false);
    } finally {
      for (const pod of ['pair-pod-1', 'pair-pod-2']) a.removePod(pod);
    }
    await eventually(async () => expect(Object.values(await slotsHeld())).toEqual([0, 0]), 15_000);
  });
});

describe('Allocate', () => {
  it('gives every property plain and with the _<HASH> suffix, and the mounts and device specs unchanged', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'fix', {
      discoveryHandler: { name: 'fixture', discoveryDetails: '' },
      capacity: 1,
      brokerProperties: { RESOLUTION_WIDTH: '800' },
    });
    const a = node(0);
    const hash = deviceHash('video0', false, a.name);
    const resource = `akri.sh/fix-${hash}`;
    await a.kubelet.waitFor(() => a.kubelet.capacity()[resource]?.allocatable === 1, 30_000, resource);
    const res = await a.admit('fix-pod', resource);
    if (!res.admitted) throw new Error(res.message);
    const response = res.allocations[0]?.response;
    const H = hash.toUpperCase();
    expect(response?.envs).toEqual({
      FIXTURE_DEVNODE: '/dev/null',
      [`FIXTURE_DEVNODE_${H}`]: '/dev/null',
      FIXTURE_MODEL: 'cam-x',
      [`FIXTURE_MODEL_${H}`]: 'cam-x',
      RESOLUTION_WIDTH: '800',
      [`RESOLUTION_WIDTH_${H}`]: '800',
    });
    expect(response?.mounts).toEqual([{ containerPath: '/akri/data', hostPath: '/var/lib/fixture', readOnly: true }]);
    expect(response?.devices).toEqual([{ containerPath: '/dev/video0', hostPath: '/dev/null', permissions: 'rw' }]);
    a.removePod('fix-pod');
  });
});

describe('a device that goes away', () => {
  it('drops its resource to 0, and then the resource disappears', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'going', echo(['going-dev'], 2));
    const resource = `akri.sh/going-${deviceHash('going-dev', true, 'x')}`;
    const a = node(0);
    await a.kubelet.waitFor(() => a.kubelet.capacity()[resource]?.allocatable === 2, 30_000, 'resource up');
    availability.setOffline('going-dev');
    await a.kubelet.waitFor(() => a.kubelet.capacity()[resource]?.capacity === 0, 30_000, 'capacity 0');
    await a.kubelet.waitFor(() => a.kubelet.capacity()[resource] === undefined, 10_000, 'resource gone');
    availability.setOnline('going-dev');
  });
});
