// DRA for devices only one node reaches, through the whole agent: each node's agent (--dra,
// with a device-plugin kubelet stand-in and a DRA kubelet stand-in on its kubelet directory)
// publishes its own device in a ResourceSlice bound to its node and owned by its Node, serves no
// device plugin for it, writes the slice again after the kubelet deleted it, and prepares a claim
// the real scheduler allocated there into a CDI spec file built from the device store.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import { DRA_DRIVER } from '../../lib/dra/driver.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceClaim, type ResourceSlice } from '../../lib/dra/resource-api.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { applyConfiguration, deleteConfiguration, listInstances } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { DevicePluginNode, dpNodeNames } from './support/device-plugin-node.ts';
import { createClaimingPod, createClaimTemplate, getDeviceClass, listPods, listSlices, schedulingOf } from './support/dra-objects.ts';
import { eventually } from '../support/wait.ts';
import { TestKubelet } from './support/test-kubelet.ts';

const cluster = useTestCluster('dra-local');
const names = dpNodeNames(2, 'drl');
let nodes: DevicePluginNode[] = [];
let heartbeats: TestKubelet;
let controller: BrokerController;

const locals = (mode: 'DRA' | 'DevicePlugin' = 'DRA') => ({
  discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["local-0"]' },
  capacity: 2,
  deviceAllocation: mode,
});

async function slicesOf(node: string): Promise<ResourceSlice[]> {
  return (await listSlices(cluster.kc)).filter((s) => s.spec.nodeName === node && s.spec.pool.name.startsWith(`${cluster.namespace}/locals-`));
}

beforeAll(async () => {
  heartbeats = new TestKubelet(cluster.kc, cluster.namespace, names);
  heartbeats.autoRun = false;
  await heartbeats.register();
  nodes = names.map((n) => new DevicePluginNode(n, cluster.kc, cluster.namespace, { shared: false, dra: true }));
  await Promise.all(nodes.map((n) => n.start()));
  controller = new BrokerController({ kc: cluster.kc, identity: 'dra-local', logger: new Logger({ test: true }, 'error'), registry: new Registry(), namespace: cluster.namespace, leaseNamespace: cluster.namespace, leaseDurationMs: 4000, dra: true });
  await controller.start();
  await eventually(() => expect(controller.isLeader).toBe(true), 20_000);
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  await heartbeats?.stop();
});

describe('DRA for devices only one node reaches', () => {
  it("each node's agent publishes its own device in a slice bound to the node and owned by its Node, and serves no device plugin for it", async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'locals', locals());
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'locals')).toHaveLength(2), 60_000);
    for (const [i, n] of names.entries()) {
      const [slice] = await eventually(async () => {
        const s = await slicesOf(n);
        expect(s).toHaveLength(1);
        return s;
      }, 30_000);
      const node = await cluster.core.readNode({ name: n });
      expect(slice?.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: n, uid: node.metadata?.uid }]);
      expect(slice?.spec.devices.map((d) => d.name)).toEqual(['slot-0', 'slot-1']);
      expect(slice?.spec.devices[0]?.attributes).toMatchObject({ DEBUG_ECHO_DESCRIPTION: { string: 'local-0' }, shared: { bool: false } });
      expect(nodes[i]?.draKubelet?.isRegistered(DRA_DRIVER)).toBe(true);
      expect(Object.keys(nodes[i]?.kubelet.capacity() ?? {}).filter((r) => r.startsWith('akri.sh/locals'))).toEqual([]);
    }
  });

  it('writes its slice again after the kubelet deleted the node\'s slices', async () => {
    const before = await slicesOf(names[0] as string);
    await kubeRequest(cluster.kc, { method: 'DELETE', path: RESOURCE_SLICES_PATH, query: { fieldSelector: `spec.nodeName=${names[0]},spec.driver=${DRA_DRIVER}` } });
    await eventually(async () => {
      const after = await slicesOf(names[0] as string);
      expect(after).toHaveLength(1);
      expect(after[0]?.metadata.uid).not.toBe(before[0]?.metadata.uid);
    }, 30_000);
  });

  it('prepares a claim the scheduler allocated on its node into a CDI file from the device store, and unprepares it', async () => {
    await eventually(async () => expect(await getDeviceClass(cluster.kc, 'locals')).toBeDefined());
    await createClaimTemplate(cluster.kc, cluster.namespace, 'a-local', 'locals', 'device.attributes["akri.sh"].DEBUG_ECHO_DESCRIPTION == "local-0"');
    await createClaimingPod(cluster.kc, cluster.namespace, 'local-user', 'a-local', { test: 'local' }, names[0]);
    const pod = await eventually(async () => {
      const [p] = await listPods(cluster.kc, cluster.namespace, 'test=local');
      expect(schedulingOf(p as V1Pod).node).toBe(names[0]);
      expect(p?.status?.resourceClaimStatuses?.[0]?.resourceClaimName).toBeDefined();
      return p as V1Pod;
    }, 60_000);
    const claimName = pod.status?.resourceClaimStatuses?.[0]?.resourceClaimName ?? '';
    const claim = await eventually(async () => {
      const c = await kubeRequest<ResourceClaim>(cluster.kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${cluster.namespace}/resourceclaims/${claimName}` });
      expect(c.status?.allocation).toBeDefined();
      return c;
    });
    const instance = (await listInstances(cluster.kc, cluster.namespace, 'locals')).find((i) => i.spec.nodes?.includes(names[0] as string));
    expect(claim.status?.allocation?.devices?.results?.[0]?.pool).toBe(poolName({ namespace: cluster.namespace, name: instance?.metadata.name ?? '' }));
    const node = nodes[0] as DevicePluginNode;
    const ref = { namespace: cluster.namespace, name: claimName, uid: claim.metadata.uid ?? '' };
    const res = await node.draKubelet?.prepare(DRA_DRIVER, [ref]);
    expect(res?.claims[ref.uid]?.error).toBe('');
    const file = join(node.cdiDir, `akri.sh-claim_${ref.uid}.json`);
    const hash = (instance?.metadata.name ?? '').slice(-6).toUpperCase();
    const spec = JSON.parse(readFileSync(file, 'utf8')) as { devices: Array<{ containerEdits: { env: string[] } }> };
    expect(spec.devices[0]?.containerEdits.env).toEqual(['DEBUG_ECHO_DESCRIPTION=local-0', `DEBUG_ECHO_DESCRIPTION_${hash}=local-0`]);
    // The other node refuses a claim on a device it does not reach.
    const other = await (nodes[1] as DevicePluginNode).draKubelet?.prepare(DRA_DRIVER, [ref]);
    expect(other?.claims[ref.uid]?.error).toMatch(/does not list node|no Instance that node/);
    await node.draKubelet?.unprepare(DRA_DRIVER, [ref]);
    expect(existsSync(file)).toBe(false);
  });

  it('moves the devices to device plugins when the Configuration leaves DRA, and removes everything when it is deleted', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'locals', locals('DevicePlugin'));
    await eventually(async () => {
      for (const n of names) expect(await slicesOf(n)).toEqual([]);
      for (const n of nodes) expect(Object.keys(n.kubelet.capacity()).filter((r) => r.startsWith('akri.sh/locals-'))).toHaveLength(1);
      expect(await getDeviceClass(cluster.kc, 'locals')).toBeUndefined();
    }, 30_000);
    await applyConfiguration(cluster.kc, cluster.namespace, 'locals', locals('DRA'));
    await eventually(async () => {
      for (const n of names) expect(await slicesOf(n)).toHaveLength(1);
    }, 30_000);
    await deleteConfiguration(cluster.kc, cluster.namespace, 'locals');
    await eventually(async () => {
      for (const n of names) expect(await slicesOf(n)).toEqual([]);
      expect(await listInstances(cluster.kc, cluster.namespace, 'locals')).toEqual([]);
    }, 60_000);
  });
});
