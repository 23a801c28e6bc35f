// The agent's watch-fed cache against a real API server: it follows changes, and a watch whose
// resourceVersion has expired ("410 Gone: too old resource version") makes it relist instead
// of crashing, as Akri's controller did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { AgentApi } from '../../agent/kube/agent-api.ts';
import { ListWatch, type ChangeType, type KubeObject } from '../../agent/kube/list-watch.ts';
import { AgentMetrics } from '../../agent/observability/agent-metrics.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { kubeRequest, type KubeAccess } from '../../lib/kube/raw-request.ts';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from './support/eventually.ts';

const cluster = useTestCluster('list-watch');
const stops: Array<() => void> = [];
afterAll(() => stops.forEach((s) => s()));

function cache(kc: KubeAccess, namespace: string, sink: MemorySink, events: Array<[ChangeType, string]>): ListWatch<KubeObject> {
  const api = new AgentApi(kc, new AgentMetrics(new Registry()));
  const lw = new ListWatch<KubeObject>(
    api,
    `/api/v1/namespaces/${namespace}/configmaps`,
    (type, obj) => events.push([type, obj.metadata?.name ?? '']),
    new Logger({}, 'info', sink),
  );
  stops.push(() => lw.stop());
  return lw;
}

const createConfigMap = (kc: KubeAccess, namespace: string, name: string) =>
  kubeRequest(kc, { method: 'POST', path: `/api/v1/namespaces/${namespace}/configmaps`, body: { metadata: { name }, data: { k: 'v' } } });

describe('ListWatch', () => {
  it('lists, then follows additions and deletions', async () => {
    const ns = cluster.namespace;
    await createConfigMap(cluster.kc, ns, 'first');
    const events: Array<[ChangeType, string]> = [];
    const lw = cache(cluster.kc, ns, new MemorySink(), events);
    lw.start();
    await lw.waitForSync();
    expect(lw.get(`${ns}/first`)).toBeDefined();
    await createConfigMap(cluster.kc, ns, 'second');
    await eventually(() => expect(events).toContainEqual(['ADDED', 'second']));
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps/second` });
    await eventually(() => expect(events).toContainEqual(['DELETED', 'second']));
    expect(lw.get(`${ns}/second`)).toBeUndefined();
  });

  it('relists when its resourceVersion has been compacted away (410 Gone), and keeps following', async () => {
    // A control plane of its own, without the watch cache (which would replay old versions
    // of a young cluster from memory), so the watch reaches etcd's compacted history.
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-lw-'));
    const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false, apiserverArgs: ['--watch-cache=false'] });
    try {
      const ep = await plane.start();
      const kc = loadKubeConfig(ep.kubeconfig);
      await createConfigMap(kc, 'default', 'before-expiry');
      // Compact etcd's history up to now, as it does every few minutes in a real cluster.
      const head = (await (await fetch(`${ep.etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) })).json()) as {
        header: { revision: string };
      };
      const compacted = await fetch(`${ep.etcdUrl}/v3/kv/compaction`, {
        method: 'POST',
        body: JSON.stringify({ revision: head.header.revision, physical: true }),
      });
      expect(compacted.status).toBe(200);
      const sink = new MemorySink();
      const events: Array<[ChangeType, string]> = [];
      const lw = cache(kc, 'default', sink, events);
      lw.startFrom('2');
      await eventually(() => expect(lw.get('default/before-expiry')).toBeDefined());
      expect(sink.lines.some((l) => l.msg === 'watch expired; relisting' && l.code === 410)).toBe(true);
      await createConfigMap(kc, 'default', 'after-expiry');
      await eventually(() => expect(events).toContainEqual(['ADDED', 'after-expiry']));
      lw.stop();
    } finally {
      await plane.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
