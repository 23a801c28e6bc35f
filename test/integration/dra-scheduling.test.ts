// Dynamic Resource Allocation against the real kube-scheduler and controller-manager: three
// agents act as three nodes (debugEcho, shared devices), the controller publishes the shared
// Instances' ResourceSlices and a DeviceClass per Configuration, and user pods ask for devices
// through ResourceClaimTemplates. The scheduler picks the device and the node together, so a
// pod only ever lands where its device is, and a pod that cannot have one stays Pending with
// the scheduler's reason instead of failing admission on a node (capacity 1 and 5 pods, beside
// device plugins: dra-vs-device-plugins.test.ts).
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../cli/status/cluster-snapshot.ts';
import { BrokerController } from '../../controller/broker-controller.ts';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { applyConfiguration, deleteConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { allocationOf, createClaimingPod, createClaimTemplate, getDeviceClass, listClaims, listPods, listSlices, listTemplates, schedulingOf } from './support/dra-objects.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { TestKubelet } from './support/test-kubelet.ts';

const cluster = useTestCluster('dra');
const names = nodeNames(3, 'dra');
// The devices are reachable from the first two nodes only.
const medium = new DebugEchoAvailability();
const unreachable = new DebugEchoAvailability(undefined, medium);
let nodes: TestNode[] = [];
let kubelet: TestKubelet;
let controller: BrokerController;
const registry = new Registry();

const echo = (descriptions: string[], capacity: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ${JSON.stringify(descriptions)}` },
  capacity,
  deviceAllocation: 'DRA',
  ...extra,
});

async function sharedInstanceOn(configuration: string, nodeCount: number): Promise<{ namespace: string; name: string }> {
  return eventually(async () => {
    const list = await listInstances(cluster.kc, cluster.namespace, configuration);
    expect(list).toHaveLength(1);
    expect(list[0]?.spec.nodes).toHaveLength(nodeCount);
    return { namespace: cluster.namespace, name: list[0]?.metadata.name ?? '' };
  }, 60_000);
}

async function podsOf(label: string): Promise<V1Pod[]> {
  return listPods(cluster.kc, cluster.namespace, `test=${label}`);
}

beforeAll(async () => {
  kubelet = new TestKubelet(cluster.kc, cluster.namespace, names);
  kubelet.autoRun = false;
  await kubelet.register();
  unreachable.setOffline();
  nodes = names.map((n, i) => new TestNode(n, cluster.kc, cluster.namespace, { handler: 'embedded', shared: true, availability: i < 2 ? medium : unreachable, graceSeconds: 2 }));
  await Promise.all(nodes.map((n) => n.start()));
  controller = new BrokerController({
    kc: cluster.kc,
    identity: 'dra-controller',
    logger: new Logger({ test: true }, (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'warn'),
    registry,
    namespace: cluster.namespace,
    leaseNamespace: cluster.namespace,
    leaseDurationMs: 4000,
    dra: true,
  });
  await controller.start();
  await eventually(async () => expect(controller.isLeader).toBe(true), 20_000);
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  await kubelet?.stop();
});

describe('DRA with the real scheduler', () => {
  it('publishes a shared device reachable from 2 of 3 nodes in a slice for exactly those 2, and a DeviceClass', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'cams', echo(['cam0'], 2));
    const instance = await sharedInstanceOn('cams', 2);
    const slice = await eventually(async () => {
      const slices = (await listSlices(cluster.kc)).filter((s) => s.spec.pool.name === poolName(instance));
      expect(slices).toHaveLength(1);
      // The second node may join the Instance a moment after the first.
      expect(slices[0]?.spec.nodeSelector?.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [names[0], names[1]].sort() }] }]);
      return slices[0];
    });
    expect(slice?.spec.devices.map((d) => d.name)).toEqual(['slot-0', 'slot-1']);
    expect(slice?.spec.devices[0]?.attributes).toMatchObject({ DEBUG_ECHO_DESCRIPTION: { string: 'cam0' }, configuration: { string: 'cams' }, instance: { string: instance.name }, shared: { bool: true } });
    const dc = await eventually(async () => {
      const c = await getDeviceClass(cluster.kc, 'cams');
      expect(c).toBeDefined();
      return c;
    });
    expect(dc?.spec.selectors?.[0]?.cel.expression).toContain(`device.attributes["akri.sh"].configuration == "cams"`);
  });

  it('places pods that claim the device only on the 2 nodes that reach it, and keeps the rest Pending with the reason', async () => {
    await createClaimTemplate(cluster.kc, cluster.namespace, 'a-cam', 'cams');
    for (let i = 0; i < 3; i++) await createClaimingPod(cluster.kc, cluster.namespace, `cam-user-${i}`, 'a-cam', { test: 'reach' });
    await createClaimingPod(cluster.kc, cluster.namespace, 'cam-user-on-c', 'a-cam', { test: 'reach-c' }, names[2]);
    const instance = await sharedInstanceOn('cams', 2);
    const pods = await eventually(async () => {
      const list = await podsOf('reach');
      expect(list.filter((p) => schedulingOf(p).node)).toHaveLength(2);
      expect(list.filter((p) => schedulingOf(p).reason === 'Unschedulable')).toHaveLength(1);
      return list;
    }, 60_000);
    const claims = await listClaims(cluster.kc, cluster.namespace);
    for (const p of pods.filter((x) => schedulingOf(x).node)) {
      expect([names[0], names[1]]).toContain(schedulingOf(p).node);
      expect(allocationOf(claims, p)?.pool).toBe(poolName(instance));
    }
    const waiting = pods.find((p) => !schedulingOf(p).node) as V1Pod;
    expect(schedulingOf(waiting).message).toMatch(/cannot allocate all claims/);
    const onC = await eventually(async () => {
      const [p] = await podsOf('reach-c');
      expect(schedulingOf(p as V1Pod).reason).toBe('Unschedulable');
      return p as V1Pod;
    });
    expect(schedulingOf(onC).node).toBeUndefined();
    // The pinned pod never gets the device on node c, whatever else happens meanwhile.
    await holdsFor(async () => {
      const [p] = await podsOf('reach-c');
      expect(p?.spec?.nodeName).toBeUndefined();
    }, 3000);
  });

  it('selects a device by its properties with CEL: the pod gets that device and no other', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'sensors', echo(['alpha', 'beta'], 1));
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'sensors')).toHaveLength(2), 60_000);
    const beta = (await listInstances(cluster.kc, cluster.namespace, 'sensors')).find((i) => i.spec.brokerProperties?.DEBUG_ECHO_DESCRIPTION === 'beta');
    await eventually(async () => expect((await listSlices(cluster.kc)).filter((s) => s.spec.pool.name.startsWith(`${cluster.namespace}/sensors-`))).toHaveLength(2));
    await eventually(async () => expect(await getDeviceClass(cluster.kc, 'sensors')).toBeDefined());
    await createClaimTemplate(cluster.kc, cluster.namespace, 'beta-only', 'sensors', 'device.attributes["akri.sh"].DEBUG_ECHO_DESCRIPTION == "beta"');
    await createClaimingPod(cluster.kc, cluster.namespace, 'beta-user-0', 'beta-only', { test: 'beta' });
    await createClaimingPod(cluster.kc, cluster.namespace, 'beta-user-1', 'beta-only', { test: 'beta' });
    const pods = await eventually(async () => {
      const list = await podsOf('beta');
      expect(list.filter((p) => schedulingOf(p).node)).toHaveLength(1);
      expect(list.filter((p) => schedulingOf(p).reason === 'Unschedulable')).toHaveLength(1);
      return list;
    }, 60_000);
    const claims = await listClaims(cluster.kc, cluster.namespace);
    const placed = pods.find((p) => schedulingOf(p).node) as V1Pod;
    // Capacity 1: the second pod waits rather than take alpha, which is free.
    expect(allocationOf(claims, placed)).toEqual({ pool: poolName({ namespace: cluster.namespace, name: beta?.metadata.name ?? '' }), device: 'slot-0' });
  });

  it('akri-ts status shows the slices of DRA Configurations and the claims on their devices', async () => {
    const snapshot = await readSnapshot(cluster.kc);
    const sensors = (await listInstances(cluster.kc, cluster.namespace, 'sensors')).map((i) => poolName({ namespace: cluster.namespace, name: i.metadata.name ?? '' }));
    expect(snapshot.configurations.find((c) => c.namespace === cluster.namespace && c.name === 'sensors')?.allocation).toBe('DRA');
    expect(snapshot.slices?.filter((s) => sensors.includes(s.pool)).map((s) => s.nodes)).toEqual([[names[0], names[1]].sort(), [names[0], names[1]].sort()]);
    const claims = snapshot.claims?.filter((c) => c.namespace === cluster.namespace && c.name.startsWith('beta-user-')) ?? [];
    expect(claims.map((c) => c.state).sort()).toEqual(['allocated', 'pending']);
    const beta = snapshot.instances.filter((i) => i.namespace === cluster.namespace && i.configuration === 'sensors').map((i) => i.slotsUsed).sort();
    expect(beta).toEqual([0, 1]);
  });

  it('writes nothing while nothing changes', async () => {
    await controller.idle();
    const writes = async () => {
      const m = (await registry.getSingleMetricAsString('akri_controller_api_requests_total')).split('\n');
      return m.filter((l) => /verb="(apply|delete)"/.test(l) && /resource="(resourceslices|deviceclasses|resourceclaimtemplates)"/.test(l)).map((l) => Number(l.split(' ').at(-1))).reduce((a, b) => a + b, 0);
    };
    const before = await writes();
    expect(before).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await writes()).toBe(before);
  });

  it("gives a DRA Configuration's broker pods a claim on their exact device, on the nodes that reach it", async () => {
    await applyConfiguration(
      cluster.kc,
      cluster.namespace,
      'brokered',
      echo(['relay'], 2, {
        brokerSpec: { brokerPodSpec: { containers: [{ name: 'broker', image: 'docker.io/library/busybox:test', resources: { limits: { '{{PLACEHOLDER}}': '1' } } }] } },
      }),
    );
    const instance = await sharedInstanceOn('brokered', 2);
    const brokers = await eventually(async () => {
      const list = await listPods(cluster.kc, cluster.namespace, `akri.sh/instance=${instance.name}`);
      expect(list.map((p) => schedulingOf(p).node).sort()).toEqual([names[0], names[1]].sort());
      return list;
    }, 60_000);
    const claims = await listClaims(cluster.kc, cluster.namespace);
    for (const b of brokers) {
      expect(b.spec?.resourceClaims).toEqual([{ name: 'akri-device', resourceClaimTemplateName: instance.name }]);
      expect(b.spec?.containers[0]?.resources).toEqual({ claims: [{ name: 'akri-device' }] });
      expect(allocationOf(claims, b)?.pool).toBe(poolName(instance));
    }
    expect(new Set(brokers.map((b) => allocationOf(claims, b)?.device)).size).toBe(2);
  });

  it('deleting a DRA Configuration removes its DeviceClass, slices, templates, brokers and their claims', async () => {
    await deleteConfiguration(cluster.kc, cluster.namespace, 'brokered');
    await eventually(async () => {
      expect(await getDeviceClass(cluster.kc, 'brokered')).toBeUndefined();
      expect((await listSlices(cluster.kc)).filter((s) => s.spec.pool.name.startsWith(`${cluster.namespace}/brokered-`))).toEqual([]);
      expect((await listTemplates(cluster.kc, cluster.namespace)).filter((t) => t.metadata.name.startsWith('brokered-'))).toEqual([]);
      expect(await listPods(cluster.kc, cluster.namespace, 'akri.sh/configuration=brokered')).toEqual([]);
      expect((await listClaims(cluster.kc, cluster.namespace)).filter((c) => c.metadata.name?.includes('brokered'))).toEqual([]);
    }, 90_000);
  });

  it('deleting a DRA Configuration removes its DeviceClass, slices and templates', async () => {
    await deleteConfiguration(cluster.kc, cluster.namespace, 'single');
    await eventually(async () => {
      expect(await getDeviceClass(cluster.kc, 'single')).toBeUndefined();
      expect((await listSlices(cluster.kc)).filter((s) => s.spec.pool.name.startsWith(`${cluster.namespace}/single-`))).toEqual([]);
      expect((await listTemplates(cluster.kc, cluster.namespace)).filter((t) => t.metadata.name.startsWith('single-'))).toEqual([]);
    }, 60_000);
  });
});

