// A node that joins NotReady (a new K3s agent whose CNI is not up yet) is not a lost node: its
// agent is right there and adds itself to its Instances. The controller must not remove it,
// or the two would fight. Only a Ready -> NotReady transition makes a node lost, as in Akri.
// The controller runs on a fake clock, so two minutes of its time pass in seconds; the agent
// and the API server are real.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { applyConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';
import { deleteNode, setNodeReady } from './support/nodes.ts';

const cluster = useTestCluster('ctrl-ready');
const [name = ''] = nodeNames(1, 'joining');
const clock = new FakeClock();
const registry = new Registry();
let controller: BrokerController;
let agent: TestNode;

beforeAll(async () => {
  await kubeRequest(cluster.kc, { method: 'POST', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name } } });
  await setNodeReady(cluster.kc, name, false);
  controller = new BrokerController({
    kc: cluster.kc,
    identity: 'readiness-test',
    logger: new Logger({}, 'warn'),
    registry,
    clock,
    namespace: cluster.namespace,
    leaseNamespace: cluster.namespace,
    // Long enough that the fake clock's jumps never look like a missed renewal.
    leaseDurationMs: 3_600_000,
  });
  await controller.start();
  await eventually(() => expect(controller.isLeader).toBe(true), 20_000);
  agent = new TestNode(name, cluster.kc, cluster.namespace, { handler: 'embedded', shared: true, graceSeconds: 5 });
  await agent.start();
});
afterAll(async () => {
  await agent?.stop();
  await controller?.stop();
  await deleteNode(cluster.kc, name);
});

async function brokers(): Promise<string[]> {
  const list = await kubeRequest<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>(cluster.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${cluster.namespace}/pods`,
    query: { labelSelector: 'akri.sh/configuration=joining' },
  });
  return list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
}

async function instancePatches(): Promise<number> {
  const text = await registry.getSingleMetricAsString('akri_controller_api_requests_total');
  return Number(/akri_controller_api_requests_total\{verb="patch",resource="instances"\} (\d+)/.exec(text)?.[1] ?? 0);
}

describe('a node that has never been Ready', () => {
  it('keeps its place in its Instances for two minutes with no write loop; a Ready -> NotReady transition then makes it lost', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'joining', {
      discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [j0]' },
      brokerSpec: { brokerPodSpec: { containers: [{ name: 'broker', image: 'busybox:1' }] } },
    });
    const instance = await eventually(async () => {
      const [i] = await listInstances(cluster.kc, cluster.namespace, 'joining');
      expect(i?.spec.nodes).toEqual([name]);
      expect(i?.metadata.finalizers).toEqual([name]);
      return i;
    });
    // Two minutes of the controller's time, in steps, each with time for any fight to show.
    for (let t = 0; t < 120_000; t += 5_000) {
      await clock.advance(5_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    await controller.idle();
    const [after] = await listInstances(cluster.kc, cluster.namespace, 'joining');
    expect(after?.spec.nodes).toEqual([name]);
    expect(after?.metadata.resourceVersion).toBe(instance?.metadata.resourceVersion);
    expect(await instancePatches()).toBe(0);

    expect(await brokers()).toEqual([]); // nothing runs on a node that is not Ready

    // Ready (the controller shows it has seen that by placing a broker there), then NotReady:
    // now the node is lost, and the controller removes it, once.
    await setNodeReady(cluster.kc, name, true);
    await eventually(async () => expect(await brokers()).toEqual([`${name}-${instance?.metadata.name}-pod`]), 30_000);
    await setNodeReady(cluster.kc, name, false);
    // (Its agent, still running, puts it back; a lost node's agent is usually not.)
    await eventually(async () => expect(await instancePatches()).toBe(1), 20_000);
  }, 120_000);
});
