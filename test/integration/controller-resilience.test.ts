// The controller keeps working when the world misbehaves: two replicas elect one leader and
// hand over when it is killed, and a watch that expires (etcd compacted under it) relists
// without crashing or losing what happened meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import { installCrds } from '../../lib/kube/install-crds.ts';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';
import { agentApplyInstance, createConfiguration } from './support/akri-objects.ts';
import { useTestCluster } from './support/cluster.ts';
import { registerReadyNode } from './support/nodes.ts';
import { TestKubelet } from './support/test-kubelet.ts';
import { holdsFor, until } from '../support/wait.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cluster = useTestCluster('ctrl-res');

interface List<T> {
  items: T[];
}
interface Lease {
  spec: { holderIdentity?: string };
}

async function podsOf(kc: KubeConfig, ns: string, instance: string): Promise<V1Pod[]> {
  const list = await kubeRequest<List<V1Pod>>(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: `akri.sh/instance=${instance}` } });
  return list.items;
}

const brokerSpec = { brokerPodSpec: { containers: [{ name: 'broker', image: 'busybox:1', resources: { limits: { '{{PLACEHOLDER}}': '1' } } }] } };

describe('two controller replicas', () => {
  const children = new Map<string, ChildProcess>();
  let kubelet: TestKubelet | undefined;


  afterAll(async () => {
    for (const c of children.values()) c.kill('SIGKILL');
    await kubelet?.stop();
  });

  it('only the leader acts; killing it hands over within the lease time, with no duplicate pods', async () => {
    const ns = cluster.namespace;
    const node = `${ns}-n`;
    kubelet = new TestKubelet(cluster.kc, ns, [node]);
    await kubelet.register();
    const kubeconfig = inject('kubeconfig');
    const spawnReplica = (identity: string) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'controller/main.ts', '--kubeconfig', kubeconfig, '--identity', identity, '--namespace', ns, '--lease-namespace', ns, '--lease-duration', '4', '--metrics-port', '0', '--log-level', 'warn'],
        { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      children.set(identity, child);
    };
    spawnReplica('replica-1');
    spawnReplica('replica-2');
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/akri-controller`;
    const leader = await until('a leader', async () => (await kubeRequest<Lease>(cluster.kc, { method: 'GET', path: leasePath })).spec.holderIdentity || undefined, 45_000);
    const follower = leader === 'replica-1' ? 'replica-2' : 'replica-1';

    await createConfiguration(cluster.kc, ns, 'cam', { discoveryHandler: { name: 'onvif' }, brokerSpec });
    await agentApplyInstance(cluster.kc, ns, node, { configurationName: 'cam', hash: 'd4d4d4', shared: true });
    await until('the broker pod', async () => (await podsOf(cluster.kc, ns, 'cam-d4d4d4')).length === 1 || undefined, 30_000);
    const events = async () =>
      (await kubeRequest<List<{ reason?: string; reportingInstance?: string }>>(cluster.kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/events` })).items.filter((e) =>
        e.reason?.startsWith('Broker'),
      );
    await until('an Event for the broker', async () => (await events()).length > 0 || undefined, 20_000);
    expect(new Set((await events()).map((e) => e.reportingInstance))).toEqual(new Set([leader]));

    const killedAt = Date.now();
    children.get(leader)?.kill('SIGKILL');
    await until('the follower to take the Lease', async () => (await kubeRequest<Lease>(cluster.kc, { method: 'GET', path: leasePath })).spec.holderIdentity === follower || undefined, 30_000);
    const handoverMs = Date.now() - killedAt;
    // Lease duration 4 s, plus a retry period and request round trips on a busy machine.
    expect(handoverMs).toBeLessThan(4000 + 4000);

    // The new leader does the work: a new device gets its broker, a deleted broker comes back.
    await agentApplyInstance(cluster.kc, ns, node, { configurationName: 'cam', hash: 'e5e5e5', shared: true });
    await until('the second broker pod', async () => (await podsOf(cluster.kc, ns, 'cam-e5e5e5')).length === 1 || undefined, 30_000);
    const [first] = await podsOf(cluster.kc, ns, 'cam-d4d4d4');
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${first?.metadata?.name}`, body: { gracePeriodSeconds: 0 } });
    await until('the deleted broker to come back', async () => {
      const ps = await podsOf(cluster.kc, ns, 'cam-d4d4d4');
      return ps.length === 1 && ps[0]?.metadata?.uid !== first?.metadata?.uid ? true : undefined;
    }, 30_000);
    await holdsFor(async () => {
      expect((await podsOf(cluster.kc, ns, 'cam-d4d4d4')).length).toBe(1);
      expect((await podsOf(cluster.kc, ns, 'cam-e5e5e5')).length).toBe(1);
    }, 2000);
    expect((await events()).some((e) => e.reportingInstance === follower)).toBe(true);
  });
});

describe('an expired watch', () => {
  // A control plane of its own, with the API server's watch cache off, so that watches are
  // served by etcd itself and compacting etcd really expires them (410 Gone).
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-ctrl-expiry-'));
  const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false, apiserverArgs: ['--watch-cache=false'] });
  let controller: BrokerController | undefined;

  afterAll(async () => {
    await controller?.stop();
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function etcd<T>(etcdUrl: string, path: string, body: unknown): Promise<T> {
    const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  it('relists instead of crashing, and loses none of what changed meanwhile', async () => {
    const ep = await plane.start();
    const kc = loadKubeConfig(ep.kubeconfig);
    await installCrds(kc);
    const ns = 'expiry';
    await kubeRequest(kc, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    // No controller-manager here to make the namespace's default ServiceAccount, which pods need.
    await kubeRequest(kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { metadata: { name: 'default' } } });
    await registerReadyNode(kc, 'edge-1');
    const registry = new Registry();
    const logs = new MemorySink();
    controller = new BrokerController({
      kc,
      identity: 'expiry-test',
      logger: new Logger({}, 'info', logs),
      registry,
      namespace: ns,
      leaseNamespace: ns,
      leaseDurationMs: 4000,
      watchTimeoutSeconds: 2, // watches end and resume often, from the resourceVersion last seen
    });
    await controller.start();
    await until('leadership', async () => controller?.isLeader, 20_000);
    await createConfiguration(kc, ns, 'cam', { discoveryHandler: { name: 'onvif' }, brokerSpec });
    await agentApplyInstance(kc, ns, 'edge-1', { configurationName: 'cam', hash: 'f6f6f6', shared: true });
    await until('the first broker', async () => (await podsOf(kc, ns, 'cam-f6f6f6')).length === 1 || undefined, 30_000);

    // Compact etcd at its current revision: every watch that resumes from an older
    // resourceVersion now gets 410 Gone. An Instance is created at the same moment: whether
    // the watch or the relist brings it, it must not be lost. First the controller must be at
    // rest, so that its watches have nothing in flight.
    await holdsFor(async () => expect((await podsOf(kc, ns, 'cam-f6f6f6')).length).toBe(1), 1000);
    await controller.idle();
    const head = await etcd<{ header: { revision: string } }>(ep.etcdUrl, '/v3/kv/range', { key: Buffer.from('/').toString('base64') });
    await etcd(ep.etcdUrl, '/v3/kv/compaction', { revision: head.header.revision, physical: true });
    await agentApplyInstance(kc, ns, 'edge-1', { configurationName: 'cam', hash: 'a7a7a7', shared: true });

    await until('the broker of the Instance created after compaction', async () => (await podsOf(kc, ns, 'cam-a7a7a7')).length === 1 || undefined, 30_000);
    // The watches that saw nothing since the compaction (Configurations: nothing changed
    // them) really expired when they resumed, and their caches listed again.
    await until('the Configuration watch to expire with 410 Gone', async () => logs.lines.some((l) => l.msg === 'watch expired; relisting' && l.code === 410 && l.resource === 'configurations') || undefined, 20_000);
    await until('the Configuration cache to relist', async () => /akri_controller_watch_relists_total\{resource="configurations"\} [1-9]/.test(await registry.getSingleMetricAsString('akri_controller_watch_relists_total')) || undefined, 20_000);
    // An edit of the Configuration after the relist still reaches the brokers.
    await kubeRequest(kc, {
      method: 'PATCH',
      path: `/apis/akri.sh/v0/namespaces/${ns}/configurations/cam`,
      contentType: 'application/merge-patch+json',
      body: { spec: { brokerSpec: { brokerPodSpec: { containers: [{ name: 'broker', image: 'busybox:2', resources: { limits: { '{{PLACEHOLDER}}': '1' } } }] } } } },
    });
    await until('the edited spec to reach the broker', async () => {
        const ps = await podsOf(kc, ns, 'cam-a7a7a7');
        return ps.some((p) => p.spec?.containers[0]?.image === 'busybox:2') || undefined;
      }, 30_000);
    // Nothing crashed or stepped down on the way.
    expect(controller.isLeader).toBe(true);
  }, 180_000);
});
