// The controller against a real control plane: the scheduler really places its broker pods,
// the controller-manager runs its Jobs and fills EndpointSlices, and three registered nodes
// stand in for the edge nodes that can reach a device.
import type { V1Job, V1Pod, V1PodSpec, V1Service } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { agentApplyInstance, agentClaimSlots, createConfiguration, getInstance, patchConfiguration } from './support/akri-objects.ts';
import { useTestCluster } from './support/cluster.ts';
import { TestKubelet } from './support/test-kubelet.ts';
import { holdsFor, until } from '../support/wait.ts';

const cluster = useTestCluster('ctrl');
let kubelet: TestKubelet;
let controller: BrokerController;
let registry: Registry;
let nodes: [string, string, string];

interface List<T> {
  items: T[];
}

const brokerContainer = (image: string) => ({
  name: 'broker',
  image,
  resources: { requests: { '{{PLACEHOLDER}}': '1' }, limits: { '{{PLACEHOLDER}}': '1' } },
});

function podSpec(image: string, extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return { containers: [brokerContainer(image)], ...extra };
}

async function pods(selector: string): Promise<V1Pod[]> {
  const list = await kubeRequest<List<V1Pod>>(cluster.kc, { method: 'GET', path: `/api/v1/namespaces/${cluster.namespace}/pods`, query: { labelSelector: selector } });
  return list.items;
}

async function instanceEvents(instance: string): Promise<string[]> {
  const list = await kubeRequest<List<{ reason?: string; involvedObject?: { name?: string } }>>(cluster.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${cluster.namespace}/events`,
  });
  return list.items.filter((e) => e.involvedObject?.name === instance).map((e) => e.reason ?? '');
}

async function exists(path: string): Promise<boolean> {
  return kubeRequest(cluster.kc, { method: 'GET', path }).then(
    () => true,
    () => false,
  );
}

/** Three agents report a shared device; every node advertises its device-plugin resource. */
async function sharedInstance(configurationName: string, hash: string): Promise<string> {
  const name = `${configurationName}-${hash}`;
  await kubelet.advertise({ [`akri.sh/${name}`]: '2' });
  for (const n of nodes) await agentApplyInstance(cluster.kc, cluster.namespace, n, { configurationName, hash, shared: true });
  return name;
}

beforeAll(async () => {
  nodes = [`${cluster.namespace}-a`, `${cluster.namespace}-b`, `${cluster.namespace}-c`];
  kubelet = new TestKubelet(cluster.kc, cluster.namespace, nodes);
  await kubelet.register({ zone: 'z1' });
  registry = new Registry();
  controller = new BrokerController({
    kc: cluster.kc,
    identity: 'controller-under-test',
    logger: new Logger({}, 'warn'),
    registry,
    namespace: cluster.namespace,
    leaseNamespace: cluster.namespace,
    leaseDurationMs: 4000,
    rolloutBatch: 2,
    lostNodeGraceMs: 4000,
  });
  await controller.start();
  await until('the controller to become leader', async () => controller.isLeader, 20_000);
});

afterAll(async () => {
  await controller?.stop();
  await kubelet?.stop();
});

describe('broker pods', () => {
  it('a shared Instance on 3 nodes gets 3 broker pods, each scheduled onto its own node even when the user wrote node affinity terms', async () => {
    const userTerms = [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }];
    await createConfiguration(cluster.kc, cluster.namespace, 'cam', {
      discoveryHandler: { name: 'onvif' },
      brokerSpec: { brokerPodSpec: podSpec('busybox:1', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: userTerms } } } }) },
    });
    const instance = await sharedInstance('cam', 'a1a1a1');
    kubelet.autoRun = false;
    const scheduled = await until('three scheduled broker pods', async () => {
      const ps = await pods(`akri.sh/instance=${instance}`);
      return ps.length === 3 && ps.every((p) => p.spec?.nodeName) ? ps : undefined;
    }, 45_000);
    kubelet.autoRun = true;
    for (const pod of scheduled) {
      const node = pod.metadata?.labels?.['akri.sh/target-node'];
      expect(pod.metadata?.name).toBe(`${node}-${instance}-pod`);
      expect(pod.spec?.nodeName).toBe(node);
      expect(pod.metadata?.labels).toMatchObject({ controller: 'akri.sh', 'akri.sh/configuration': 'cam', 'akri.sh/instance': instance, app: pod.metadata?.name });
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Instance', name: instance, controller: true, blockOwnerDeletion: true });
      expect(pod.spec?.containers[0]?.resources?.limits).toEqual({ [`akri.sh/${instance}`]: '1' });
      expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
        { ...userTerms[0], matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] },
      ]);
    }
    expect(new Set(scheduled.map((p) => p.spec?.nodeName))).toEqual(new Set(nodes));
    await until('BrokerCreated Events on the Instance', async () => (await instanceEvents(instance)).filter((r) => r === 'BrokerCreated').length === 3 || undefined, 20_000);
    const metrics = await registry.getSingleMetricAsString('akri_broker_pod_count');
    for (const n of nodes) expect(metrics).toContain(`akri_broker_pod_count{configuration="cam",node="${n}"} 1`);
  });

  it('a deleted broker pod comes back on the same node', async () => {
    const instance = 'cam-a1a1a1';
    const [victim] = await pods(`akri.sh/instance=${instance},akri.sh/target-node=${nodes[1]}`);
    expect(victim).toBeDefined();
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${cluster.namespace}/pods/${victim?.metadata?.name}`, body: { gracePeriodSeconds: 0 } });
    const back = await until('the broker pod to be recreated and scheduled', async () => {
      const [p] = await pods(`akri.sh/instance=${instance},akri.sh/target-node=${nodes[1]}`);
      return p && p.metadata?.uid !== victim?.metadata?.uid && p.spec?.nodeName ? p : undefined;
    }, 30_000);
    expect(back.metadata?.name).toBe(victim?.metadata?.name);
    expect(back.spec?.nodeName).toBe(nodes[1]);
    await until('a BrokerRecreated Event', async () => (await instanceEvents(instance)).includes('BrokerRecreated') || undefined, 20_000);
  });

  it('editing the brokerPodSpec replaces every broker with the new spec', async () => {
    const instance = 'cam-a1a1a1';
    await patchConfiguration(cluster.kc, cluster.namespace, 'cam', { brokerSpec: { brokerPodSpec: podSpec('busybox:2') } });
    await until('all three brokers to run the edited spec', async () => {
      const ps = await pods(`akri.sh/instance=${instance}`);
      return ps.length === 3 && ps.every((p) => p.spec?.containers[0]?.image === 'busybox:2' && !p.metadata?.deletionTimestamp) ? ps : undefined;
    }, 45_000);
    expect((await instanceEvents(instance)).includes('BrokerReplaced')).toBe(true);
  });
});

describe('broker services', () => {
  it('appear once a broker is Running, select exactly its brokers, and go when the last broker goes', async () => {
    await createConfiguration(cluster.kc, cluster.namespace, 'web', {
      discoveryHandler: { name: 'onvif' },
      brokerSpec: { brokerPodSpec: podSpec('busybox:1') },
      instanceServiceSpec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      configurationServiceSpec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    kubelet.autoRun = false;
    const instance = await sharedInstance('web', 'b2b2b2');
    const pending = await until('three scheduled broker pods', async () => {
      const ps = await pods(`akri.sh/instance=${instance}`);
      return ps.length === 3 && ps.every((p) => p.spec?.nodeName) ? ps : undefined;
    }, 45_000);
    await holdsFor(async () => expect(await exists(`/api/v1/namespaces/${cluster.namespace}/services/${instance}-svc`)).toBe(false), 1500);

    // Run them here, before the stand-in kubelet may: two runs of one pod would give it two IPs.
    for (const p of pending) await kubelet.runPod(p);
    kubelet.autoRun = true;
    const svc = await until('the Instance Service', () => kubeRequest<V1Service>(cluster.kc, { method: 'GET', path: `/api/v1/namespaces/${cluster.namespace}/services/${instance}-svc` }), 20_000);
    expect(svc.spec?.selector).toEqual({ 'akri.sh/instance': instance, controller: 'akri.sh' });
    expect(svc.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Instance', name: instance });
    const cfgSvc = await until('the Configuration Service', () => kubeRequest<V1Service>(cluster.kc, { method: 'GET', path: `/api/v1/namespaces/${cluster.namespace}/services/web-svc` }), 20_000);
    expect(cfgSvc.spec?.selector).toEqual({ 'akri.sh/configuration': 'web', controller: 'akri.sh' });

    // The endpoints are this Instance's three brokers (and not the brokers of "cam").
    let seen = '';
    await until('EndpointSlices of the Instance Service to list exactly its brokers', async () => {
      const ips = new Set(
        (await pods(`akri.sh/instance=${instance}`)).map((p) => p.status?.podIP).filter((ip): ip is string => ip !== undefined),
      );
      const slices = await kubeRequest<List<{ endpoints?: Array<{ addresses: string[] }> }>>(cluster.kc, {
        method: 'GET',
        path: `/apis/discovery.k8s.io/v1/namespaces/${cluster.namespace}/endpointslices`,
        query: { labelSelector: `kubernetes.io/service-name=${instance}-svc` },
      });
      const addresses = new Set(slices.items.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)));
      seen = `broker IPs [${[...ips].sort().join(', ')}], slice addresses [${[...addresses].sort().join(', ')}]`;
      return ips.size === 3 && addresses.size === ips.size && [...ips].every((ip) => addresses.has(ip)) ? true : undefined;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message} (last seen: ${seen})`);
    });

    // Every agent loses the device: the brokers go, and with the last one the Services.
    for (const n of nodes) await agentApplyInstance(cluster.kc, cluster.namespace, n, { configurationName: 'web', hash: 'b2b2b2', shared: true }, false);
    await until('the brokers to be removed', async () => ((await pods(`akri.sh/instance=${instance}`)).length === 0 ? true : undefined), 30_000);
    await until('the Instance Service to go', async () => !(await exists(`/api/v1/namespaces/${cluster.namespace}/services/${instance}-svc`)) || undefined, 20_000);
    await until('the Configuration Service to go', async () => !(await exists(`/api/v1/namespaces/${cluster.namespace}/services/web-svc`)) || undefined, 20_000);
    expect((await instanceEvents(instance)).includes('BrokerRemoved')).toBe(true);
  });
});

describe('broker jobs', () => {
  it('one Job runs per Instance, and editing the brokerJobSpec replaces it within seconds', async () => {
    await createConfiguration(cluster.kc, cluster.namespace, 'batch', {
      discoveryHandler: { name: 'onvif' },
      brokerSpec: { brokerJobSpec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [brokerContainer('busybox:1')] } } } },
    });
    const instance = await sharedInstance('batch', 'c3c3c3');
    const job = await until('the broker Job', () => kubeRequest<V1Job>(cluster.kc, { method: 'GET', path: `/apis/batch/v1/namespaces/${cluster.namespace}/jobs/${instance}-1-job` }), 20_000);
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Instance', name: instance });
    expect(job.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ [`akri.sh/${instance}`]: '1' });
    // The controller-manager runs it: its pod exists and the scheduler places it.
    await until('the Job\'s pod to be scheduled', async () => (await pods(`job-name=${instance}-1-job`)).some((p) => p.spec?.nodeName) || undefined, 45_000);

    await patchConfiguration(cluster.kc, cluster.namespace, 'batch', {
      brokerSpec: { brokerJobSpec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [brokerContainer('busybox:2')] } } } },
    });
    const started = Date.now();
    await until('the new Job', () => kubeRequest<V1Job>(cluster.kc, { method: 'GET', path: `/apis/batch/v1/namespaces/${cluster.namespace}/jobs/${instance}-2-job` }), 20_000);
    await until('the old Job to go', async () => !(await exists(`/apis/batch/v1/namespaces/${cluster.namespace}/jobs/${instance}-1-job`)) || undefined, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    const jobs = await kubeRequest<List<V1Job>>(cluster.kc, { method: 'GET', path: `/apis/batch/v1/namespaces/${cluster.namespace}/jobs`, query: { labelSelector: `akri.sh/instance=${instance}` } });
    expect(jobs.items.map((j) => j.metadata?.name)).toEqual([`${instance}-2-job`]);
  });
});

describe('node loss', () => {
  it('a node going NotReady loses its brokers, its `nodes` entry and its slots, while a second node keeps serving the shared device', async () => {
    const instance = 'cam-a1a1a1';
    const [lost, keeper] = [nodes[2], nodes[0]];
    await agentClaimSlots(cluster.kc, cluster.namespace, instance, lost, { [`${instance}-0`]: lost });
    await agentClaimSlots(cluster.kc, cluster.namespace, instance, keeper, { [`${instance}-1`]: `C:cam-0:${keeper}` });
    const [keeperPod] = await pods(`akri.sh/instance=${instance},akri.sh/target-node=${keeper}`);
    expect(keeperPod).toBeDefined();

    await kubelet.takeDown(lost);
    const after = await until('the lost node to leave the Instance', async () => {
      const i = await getInstance(cluster.kc, cluster.namespace, instance);
      return !(i.spec.nodes ?? []).includes(lost) ? i : undefined;
    }, 30_000);
    expect(new Set(after.spec.nodes)).toEqual(new Set([nodes[0], nodes[1]]));
    expect(after.spec.deviceUsage).toEqual({ [`${instance}-1`]: `C:cam-0:${keeper}` });
    // The lost node's broker is being removed (its kubelet is gone, so it stays Terminating).
    await until('the lost node\'s broker to be deleted', async () => {
      const ps = await pods(`akri.sh/instance=${instance},akri.sh/target-node=${lost}`);
      return ps.every((p) => p.metadata?.deletionTimestamp) || undefined;
    }, 30_000);
    const [stillThere] = await pods(`akri.sh/instance=${instance},akri.sh/target-node=${keeper}`);
    expect(stillThere?.metadata?.uid).toBe(keeperPod?.metadata?.uid);
    expect(stillThere?.status?.phase).toBe('Running');

    // No ownership fight: the agents' entries keep their owners, the remaining agents can
    // apply again without conflict, and the Instance then stays still.
    await agentApplyInstance(cluster.kc, cluster.namespace, keeper, { configurationName: 'cam', hash: 'a1a1a1', shared: true });
    await agentClaimSlots(cluster.kc, cluster.namespace, instance, keeper, { [`${instance}-1`]: `C:cam-0:${keeper}` });
    const settled = await getInstance(cluster.kc, cluster.namespace, instance);
    await holdsFor(async () => expect((await getInstance(cluster.kc, cluster.namespace, instance)).metadata.resourceVersion).toBe(settled.metadata.resourceVersion), 3000);
    const later = await getInstance(cluster.kc, cluster.namespace, instance);
    const managers = (later.metadata.managedFields ?? []).map((m) => m.manager);
    expect(managers).toEqual(expect.arrayContaining([keeper, `dp-${keeper}`]));
    expect((await instanceEvents(instance)).includes('NodeLost')).toBe(true);
  });

  it('a local Instance whose node stays lost past the grace period is deleted', async () => {
    const node = nodes[1];
    const instance = 'cam-0c0c0c';
    await kubelet.advertise({ [`akri.sh/${instance}`]: '1' });
    await agentApplyInstance(cluster.kc, cluster.namespace, node, { configurationName: 'cam', hash: '0c0c0c', shared: false });
    await until('the local broker', async () => (await pods(`akri.sh/instance=${instance}`)).some((p) => p.metadata?.name === `${instance}-pod` && p.spec?.nodeName === node) || undefined, 30_000);

    const lostAt = Date.now();
    await kubelet.takeDown(node);
    await until('the node to leave the local Instance', async () => (await getInstance(cluster.kc, cluster.namespace, instance)).spec.nodes?.length === 0 || undefined, 30_000);
    // Still there while the grace period (4 s from the loss) runs.
    await holdsFor(async () => expect(await exists(`/apis/akri.sh/v0/namespaces/${cluster.namespace}/instances/${instance}`)).toBe(true), 1500);
    await until('the local Instance to be deleted', async () => !(await exists(`/apis/akri.sh/v0/namespaces/${cluster.namespace}/instances/${instance}`)) || undefined, 30_000);
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(4000);
  });
});
