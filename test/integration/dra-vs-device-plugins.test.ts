// One device that 2 of 3 nodes reach, capacity 1, and 5 pods that each want it; once through
// DRA, once through device plugins, against the same real scheduler.
// - DRA: the scheduler allocates the one device with the node, so exactly one pod is scheduled,
//   four stay Pending ("cannot allocate all claims") and no pod ever fails on a node.
// - Device plugins: each of the 2 nodes advertises akri.sh/<instance>: 1, the scheduler places
//   a pod on each, and the node that loses the slot fails its pod's admission
//   (UnexpectedAdmissionError); until that node's status shows 0 (the kubelet writes it every
//   10 s), the scheduler keeps sending it the waiting pods, and they fail too.
// The figures are printed for the README.
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { AdmittingKubelets } from './support/admitting-kubelets.ts';
import { applyConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { DevicePluginNode, dpNodeNames } from './support/device-plugin-node.ts';
import { createClaimingPod, createClaimTemplate, getDeviceClass, listPods, listSlices, schedulingOf } from './support/dra-objects.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { TestKubelet } from './support/test-kubelet.ts';

const cluster = useTestCluster('dra-vs-dp');
const PODS = 5;
const figures: Record<string, { scheduled: number; pending: number; failedAdmission: number }> = {};

function count(pods: V1Pod[]): { scheduled: number; pending: number; failed: number } {
  return {
    scheduled: pods.filter((p) => schedulingOf(p).node).length,
    pending: pods.filter((p) => !schedulingOf(p).node).length,
    failed: pods.filter((p) => p.status?.phase === 'Failed').length,
  };
}

afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`capacity 1, ${PODS} pods, device reachable from 2 of 3 nodes: ${JSON.stringify(figures)}`);
});

describe(`one device (capacity 1) reachable from 2 of 3 nodes, ${PODS} pods`, () => {
  describe('through DRA', () => {
    const names = nodeNames(3, 'dvd');
    const medium = new DebugEchoAvailability();
    const unreachable = new DebugEchoAvailability(undefined, medium);
    let nodes: TestNode[] = [];
    let kubelet: TestKubelet;
    let controller: BrokerController;

    beforeAll(async () => {
      kubelet = new TestKubelet(cluster.kc, cluster.namespace, names);
      kubelet.autoRun = false;
      await kubelet.register();
      unreachable.setOffline();
      nodes = names.map((n, i) => new TestNode(n, cluster.kc, cluster.namespace, { handler: 'embedded', shared: true, availability: i < 2 ? medium : unreachable }));
      await Promise.all(nodes.map((n) => n.start()));
      controller = new BrokerController({ kc: cluster.kc, identity: 'dvd', logger: new Logger({ test: true }, 'error'), registry: new Registry(), namespace: cluster.namespace, leaseNamespace: cluster.namespace, leaseDurationMs: 4000, dra: true });
      await controller.start();
      await eventually(async () => expect(controller.isLeader).toBe(true), 20_000);
    }, 120_000);

    afterAll(async () => {
      await controller?.stop();
      await Promise.all(nodes.map((n) => n.stop()));
      await kubelet?.stop();
    });

    it('schedules exactly one pod; four stay Pending with the scheduler\'s reason; none fails admission', async () => {
      await applyConfiguration(cluster.kc, cluster.namespace, 'dvd-dra', {
        discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["dvd-dra"]' },
        capacity: 1,
        deviceAllocation: 'DRA',
      });
      const instance = await eventually(async () => {
        const [i] = await listInstances(cluster.kc, cluster.namespace, 'dvd-dra');
        expect(i?.spec.nodes).toHaveLength(2);
        return i;
      }, 60_000);
      await eventually(async () => {
        const slice = (await listSlices(cluster.kc)).find((s) => s.spec.pool.name === poolName({ namespace: cluster.namespace, name: instance?.metadata.name ?? '' }));
        expect(slice?.spec.nodeSelector?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values).toHaveLength(2);
        expect(await getDeviceClass(cluster.kc, 'dvd-dra')).toBeDefined();
      });
      await createClaimTemplate(cluster.kc, cluster.namespace, 'dvd', 'dvd-dra');
      for (let i = 0; i < PODS; i++) await createClaimingPod(cluster.kc, cluster.namespace, `dra-user-${i}`, 'dvd', { test: 'dvd-dra' });
      const settled = async () => {
        const pods = await listPods(cluster.kc, cluster.namespace, 'test=dvd-dra');
        const c = count(pods);
        expect(c).toEqual({ scheduled: 1, pending: PODS - 1, failed: 0 });
        for (const p of pods.filter((x) => !schedulingOf(x).node)) {
          expect(schedulingOf(p)).toMatchObject({ reason: 'Unschedulable', message: expect.stringMatching(/cannot allocate all claims/) });
        }
        expect([names[0], names[1]]).toContain(pods.find((p) => schedulingOf(p).node)?.spec?.nodeName);
        return c;
      };
      await eventually(settled, 60_000);
      // As long as the slower path of device plugins below takes to show its failures.
      await holdsFor(async () => void (await settled()), 12_000, 1000);
      const c = await settled();
      figures.dra = { scheduled: c.scheduled, pending: c.pending, failedAdmission: c.failed };
    });
  });

  describe('through device plugins (Akri\'s way)', () => {
    const names = dpNodeNames(3, 'dvp');
    const medium = new DebugEchoAvailability();
    const unreachable = new DebugEchoAvailability(undefined, medium);
    let nodes: DevicePluginNode[] = [];
    let heartbeats: TestKubelet;
    let kubelets: AdmittingKubelets;

    beforeAll(async () => {
      heartbeats = new TestKubelet(cluster.kc, cluster.namespace, names);
      heartbeats.autoRun = false;
      await heartbeats.register();
      unreachable.setOffline();
      nodes = names.map((n, i) => new DevicePluginNode(n, cluster.kc, cluster.namespace, { shared: true, availability: i < 2 ? medium : unreachable }));
      await Promise.all(nodes.map((n) => n.start()));
      kubelets = new AdmittingKubelets(cluster.kc, cluster.namespace, nodes);
    }, 120_000);

    afterAll(async () => {
      kubelets?.stop();
      await Promise.all(nodes.map((n) => n.stop()));
      await heartbeats?.stop();
    });

    it('schedules a pod on each node that advertises the slot, and the losers fail admission', async () => {
      await applyConfiguration(cluster.kc, cluster.namespace, 'dvd-dp', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["dvd-dp"]' }, capacity: 1 });
      const instance = await eventually(async () => {
        const [i] = await listInstances(cluster.kc, cluster.namespace, 'dvd-dp');
        expect(i?.spec.nodes).toHaveLength(2);
        return i;
      }, 60_000);
      const resource = `akri.sh/${instance?.metadata.name}`;
      await eventually(() => {
        for (const n of nodes.slice(0, 2)) expect(n.kubelet.capacity()[resource]).toEqual({ capacity: 1, allocatable: 1 });
      }, 30_000);
      await kubelets.syncStatus();
      kubelets.start();
      for (let i = 0; i < PODS; i++) {
        await kubeRequest(cluster.kc, {
          method: 'POST',
          path: `/api/v1/namespaces/${cluster.namespace}/pods`,
          body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `dp-user-${i}`, labels: { test: 'dvd-dp' } }, spec: { containers: [{ name: 'app', image: 'docker.io/library/busybox:test', resources: { limits: { [resource]: '1' } } }] } },
        });
      }
      await eventually(async () => {
        const pods = await listPods(cluster.kc, cluster.namespace, 'test=dvd-dp');
        expect(pods.filter((p) => p.status?.phase === 'Failed').length).toBeGreaterThanOrEqual(1);
        expect(pods.filter((p) => p.status?.phase === 'Running')).toHaveLength(1);
      }, 60_000);
      // Let the scheduler and the nodes' status updates play out as they would on a cluster.
      await new Promise((r) => setTimeout(r, 12_000));
      const pods = await listPods(cluster.kc, cluster.namespace, 'test=dvd-dp');
      const c = count(pods);
      expect(pods.filter((p) => p.status?.phase === 'Running')).toHaveLength(1);
      for (const p of pods.filter((x) => x.status?.phase === 'Failed')) expect(p.status?.reason).toBe('UnexpectedAdmissionError');
      expect(kubelets.failedAdmissions.length).toBe(c.failed);
      expect(c.failed).toBeGreaterThanOrEqual(1);
      figures.devicePlugins = { scheduled: c.scheduled, pending: c.pending, failedAdmission: c.failed };
    });
  });
});
