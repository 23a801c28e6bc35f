// The agent's caches are fed by its watches only, so the echo of every write it makes comes
// back to it as a watch event. Those echoes must not wake its Configuration again: a device
// that appears costs one reconcile, whatever the agent then writes (the Instance, its
// finalizer, the Configuration's status entry).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, getConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';

const cluster = useTestCluster('agent-own-writes');
const availability = new DebugEchoAvailability();
const [name = ''] = nodeNames(1, 'echo');
let node: TestNode;

beforeAll(async () => {
  node = new TestNode(name, cluster.kc, cluster.namespace, { handler: 'embedded', shared: false, availability });
  await node.start();
});
afterAll(async () => {
  await node?.stop();
});

async function reconciles(): Promise<number> {
  const text = await node.metrics();
  return [...text.matchAll(/^akri_agent_reconciles_total\{result="\w+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe("an agent's own writes", () => {
  it('do not re-plan its Configuration: a device that appears costs exactly one reconcile', async () => {
    availability.setOffline('second');
    await applyConfiguration(cluster.kc, cluster.namespace, 'echoes', {
      discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [first, second]' },
      capacity: 1,
    });
    const settled = async (instances: number): Promise<void> => {
      await eventually(async () => {
        expect(await listInstances(cluster.kc, cluster.namespace, 'echoes')).toHaveLength(instances);
        const cfg = await getConfiguration(cluster.kc, cluster.namespace, 'echoes');
        expect(cfg?.status?.nodes?.find((n) => n.node === name)?.instances).toBe(instances);
      });
      // Every echo has had time to arrive once the count has stopped moving for a while.
      await eventually(async () => {
        const count = await reconciles();
        await holdsFor(async () => expect(await reconciles()).toBe(count), 1500);
      }, 30_000);
    };
    await settled(1);
    const before = await reconciles();

    availability.setOnline('second');
    await settled(2);
    // One reconcile for the new snapshot. Its writes (an Instance apply, the Instance's
    // finalizer, the status entry) each came back as a watch event and woke nothing.
    expect((await reconciles()) - before).toBe(1);
    const [instance] = (await listInstances(cluster.kc, cluster.namespace, 'echoes')).filter((i) => i.spec.brokerProperties?.DEBUG_ECHO_DESCRIPTION === 'second');
    expect(instance?.metadata.finalizers).toEqual([name]);
  }, 60_000);
});
