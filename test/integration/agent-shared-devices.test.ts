// Three agents acting as three nodes, each with debugEcho embedded and reporting shared
// devices: Instances follow the devices, with a grace period, and follow the Configuration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { deviceHash } from '../../lib/naming/instance-name.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, deleteConfiguration, getConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';

const cluster = useTestCluster('agent-shared');
const availability = new DebugEchoAvailability();
const names = nodeNames(3, 'shared');
let nodes: TestNode[] = [];

beforeAll(async () => {
  nodes = names.map((n) => new TestNode(n, cluster.kc, cluster.namespace, { handler: 'embedded', shared: true, availability, graceSeconds: 3 }));
  await Promise.all(nodes.map((n) => n.start()));
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

const echo = (descriptions: string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ${JSON.stringify(descriptions)}` },
  capacity: 2,
  ...extra,
});

describe('shared devices across three nodes', () => {
  it('a shared device seen by 3 nodes becomes 1 Instance with 3 nodes, named and filled as Akri does', async () => {
    const cfg = await applyConfiguration(cluster.kc, cluster.namespace, 'cams', echo(['cam0'], { brokerProperties: { RESOLUTION: '800' } }));
    const hash = deviceHash('cam0', true, 'ignored');
    const instances = await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'cams');
      expect(list).toHaveLength(1);
      expect([...(list[0]?.spec.nodes ?? [])].sort()).toEqual([...names].sort());
      // Each agent writes its finalizer in a step of its own, just after its node entry.
      expect([...(list[0]?.metadata.finalizers ?? [])].sort()).toEqual([...names].sort());
      return list;
    });
    const i = instances[0];
    expect(i?.metadata.name).toBe(`cams-${hash}`);
    expect(i?.spec).toMatchObject({
      configurationName: 'cams',
      cdiName: `akri.sh/cams=${hash}`,
      capacity: 2,
      shared: true,
      brokerProperties: { DEBUG_ECHO_DESCRIPTION: 'cam0', RESOLUTION: '800' },
    });
    expect(i?.metadata.ownerReferences).toEqual([
      { apiVersion: 'akri.sh/v0', kind: 'Configuration', name: 'cams', uid: cfg.metadata.uid, controller: true },
    ]);
    expect([...(i?.metadata.finalizers ?? [])].sort()).toEqual([...names].sort());
    const managers = (i?.metadata.managedFields ?? []).map((m) => m.manager).sort();
    expect(managers).toEqual([...names, ...names.map((n) => `${n}-fin`)].sort());

    // Each node reports on the Configuration, and finalizes it.
    const stored = await eventually(async () => {
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'cams');
      expect(c?.status?.nodes?.map((n) => n.node).sort()).toEqual([...names].sort());
      expect(c?.status?.nodes?.every((n) => n.state === 'Discovering' && n.instances === 1)).toBe(true);
      expect([...(c?.metadata.finalizers ?? [])].sort()).toEqual([...names].sort());
      return c;
    });
    expect([...(stored?.metadata.finalizers ?? [])].sort()).toEqual([...names].sort());
    // And the metrics say so on /metrics.
    await eventually(async () => {
      const text = await nodes[0]?.metrics();
      expect(text).toContain('akri_instance_count{configuration="cams",is_shared="true"} 1');
      expect(text).toMatch(/akri_discovery_response_result\{discovery_handler_name="debugEcho",response="Success"\} \d+/);
      expect(text).toMatch(/akri_discovery_response_time_count\{configuration="cams",discovery_handler_name="debugEcho"\} \d+/);
    });
  });

  it('a device that goes offline leaves its Instance after the grace period, and comes back within one cycle', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'flaky', echo(['dev-off']));
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'flaky'))[0]?.spec.nodes).toHaveLength(3));
    const wentOffline = Date.now();
    availability.setOffline('dev-off');
    // Within the grace period nothing changes...
    await holdsFor(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'flaky'))[0]?.spec.nodes).toHaveLength(3), 1500);
    // ...after it, the nodes leave and the last one out deletes the Instance.
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'flaky')).toHaveLength(0), 30_000, 100);
    expect(Date.now() - wentOffline).toBeGreaterThanOrEqual(3000);
    availability.setOnline('dev-off');
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'flaky'))[0]?.spec.nodes).toHaveLength(3), 10_000);
  });

  it('only the node that lost the device leaves the Instance; the others keep it', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'partial', echo(['p0']));
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'partial'))[0]?.spec.nodes).toHaveLength(3));
    const c = nodes[2];
    c?.echo.availability.setOffline('p0');
    await eventually(async () => {
      const [i] = await listInstances(cluster.kc, cluster.namespace, 'partial');
      expect([...(i?.spec.nodes ?? [])].sort()).toEqual([names[0], names[1]].sort());
      expect(i?.metadata.finalizers).not.toContain(names[2]);
    });
    c?.echo.availability.setOnline('p0');
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'partial'))[0]?.spec.nodes).toHaveLength(3));
  });

  it('a device flapping faster than the grace period causes no Instance writes', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'flapper', echo(['flap']));
    const before = await eventually(async () => {
      const [i] = await listInstances(cluster.kc, cluster.namespace, 'flapper');
      expect(i?.spec.nodes).toHaveLength(3);
      expect(i?.metadata.finalizers).toHaveLength(3);
      return i;
    });
    // The reference version once the status and finalizer writes have settled (still for 1 s).
    const settled = await eventually(async () => {
      const [now] = await listInstances(cluster.kc, cluster.namespace, 'flapper');
      await holdsFor(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'flapper'))[0]?.metadata.resourceVersion).toBe(now?.metadata.resourceVersion), 1000);
      return now;
    });
    expect(before?.metadata.uid).toBe(settled?.metadata.uid);
    for (let k = 0; k < 6; k++) {
      availability.setOffline('flap');
      await new Promise((r) => setTimeout(r, 600));
      availability.setOnline('flap');
      await new Promise((r) => setTimeout(r, 600));
    }
    const [after] = await listInstances(cluster.kc, cluster.namespace, 'flapper');
    expect(after?.metadata.resourceVersion).toBe(settled?.metadata.resourceVersion);
  });

  it('editing capacity, brokerProperties and discoveryDetails reaches the Instances', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'edits', echo(['e0']));
    await eventually(async () => expect((await listInstances(cluster.kc, cluster.namespace, 'edits'))[0]?.spec.nodes).toHaveLength(3));
    await applyConfiguration(cluster.kc, cluster.namespace, 'edits', { ...echo(['e0']), capacity: 5, brokerProperties: { MODE: 'fast' } });
    await eventually(async () => {
      const [i] = await listInstances(cluster.kc, cluster.namespace, 'edits');
      expect(i?.spec.capacity).toBe(5);
      expect(i?.spec.brokerProperties).toEqual({ DEBUG_ECHO_DESCRIPTION: 'e0', MODE: 'fast' });
    });
    await applyConfiguration(cluster.kc, cluster.namespace, 'edits', { ...echo(['e1', 'e2']), capacity: 5, brokerProperties: { MODE: 'fast' } });
    await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'edits');
      expect(list.map((i) => i.spec.brokerProperties?.DEBUG_ECHO_DESCRIPTION).sort()).toEqual(['e1', 'e2']);
      expect(list.every((i) => i.spec.nodes?.length === 3)).toBe(true);
    });
  });

  it('deleting the Configuration leaves no Instance and no finalizer behind', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'doomed', echo(['d0', 'd1']));
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'doomed')).toHaveLength(2));
    await deleteConfiguration(cluster.kc, cluster.namespace, 'doomed');
    await eventually(async () => {
      expect(await getConfiguration(cluster.kc, cluster.namespace, 'doomed')).toBeUndefined();
      expect(await listInstances(cluster.kc, cluster.namespace, 'doomed')).toHaveLength(0);
    });
  });

  it('an agent killed and restarted makes no duplicate Instances and loses none', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'restart', echo(['r0', 'r1']));
    const before = await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'restart');
      expect(list).toHaveLength(2);
      expect(list.every((i) => i.spec.nodes?.length === 3)).toBe(true);
      return list;
    });
    const b = nodes[1];
    await b?.stopAgent();
    await new Promise((r) => setTimeout(r, 1000));
    await b?.startAgent();
    await holdsFor(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'restart');
      expect(list.map((i) => i.metadata.uid).sort()).toEqual(before.map((i) => i.metadata.uid).sort());
      expect(list.every((i) => i.spec.nodes?.length === 3)).toBe(true);
    }, 5000);
  });
});
