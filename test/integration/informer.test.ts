// The informer (the agent's and the controller's watch-fed cache) against a real API server:
// it follows changes, and a watch that resumes from a resourceVersion etcd has compacted away
// ("410 Gone: too old resource version") makes it list again instead of crashing, as Akri's
// controller did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Informer, apiListerWatcher, type ChangeType, type KubeObject } from '../../lib/reconcile/informer.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { kubeRequest, type KubeAccess } from '../../lib/kube/raw-request.ts';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';

const cluster = useTestCluster('list-watch');
const stops: Array<() => void> = [];
afterAll(() => stops.forEach((s) => s()));

function cache(kc: KubeAccess, namespace: string, sink: MemorySink, events: Array<[ChangeType, string]>, watchTimeoutSeconds?: number): Informer<KubeObject> {
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const informer = new Informer<KubeObject>({
    source: apiListerWatcher(kc, path),
    name: path,
    logger: new Logger({}, 'info', sink),
    onEvent: (type, obj) => events.push([type, obj.metadata?.name ?? '']),
    watchTimeoutSeconds,
    relistDelayMs: 100,
  });
  stops.push(() => informer.stop());
  return informer;
}

const createConfigMap = (kc: KubeAccess, namespace: string, name: string) =>
  kubeRequest(kc, { method: 'POST', path: `/api/v1/namespaces/${namespace}/configmaps`, body: { metadata: { name }, data: { k: 'v' } } });

describe('Informer', () => {
  it('lists, then follows additions and deletions', async () => {
    const ns = cluster.namespace;
    await createConfigMap(cluster.kc, ns, 'first');
    const events: Array<[ChangeType, string]> = [];
    const lw = cache(cluster.kc, ns, new MemorySink(), events);
    await lw.start();
    expect(lw.get(`${ns}/first`)).toBeDefined();
    await createConfigMap(cluster.kc, ns, 'second');
    await eventually(() => expect(events).toContainEqual(['ADDED', 'second']));
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps/second` });
    await eventually(() => expect(events).toContainEqual(['DELETED', 'second']));
    expect(lw.get(`${ns}/second`)).toBeUndefined();
  });

  it('lists again when the resourceVersion it resumes from has been compacted away (410 Gone), and keeps following', async () => {
    // A control plane of its own, without the watch cache (which would replay old versions
    // of a young cluster from memory, and send bookmarks), so the watch reaches etcd's history.
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-lw-'));
    const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false, apiserverArgs: ['--watch-cache=false'] });
    try {
      const ep = await plane.start();
      const kc = loadKubeConfig(ep.kubeconfig);
      const sink = new MemorySink();
      const events: Array<[ChangeType, string]> = [];
      // The server ends each watch after 2 s; the informer then resumes from the last
      // resourceVersion it saw, which is the list's while nothing in its namespace changes.
      const lw = cache(kc, 'default', sink, events, 2);
      await lw.start();
      // Changes elsewhere move etcd's revision on; then its history is compacted up to now, as
      // etcd does every few minutes in a real cluster, while the informer's watch is open.
      await createConfigMap(kc, 'kube-system', 'elsewhere');
      await createConfigMap(kc, 'default', 'before-expiry');
      await eventually(() => expect(events).toContainEqual(['ADDED', 'before-expiry']));
      await createConfigMap(kc, 'kube-system', 'elsewhere-2');
      await createConfigMap(kc, 'kube-system', 'elsewhere-3');
      const head = (await (await fetch(`${ep.etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) })).json()) as {
        header: { revision: string };
      };
      const compacted = await fetch(`${ep.etcdUrl}/v3/kv/compaction`, {
        method: 'POST',
        body: JSON.stringify({ revision: head.header.revision, physical: true }),
      });
      expect(compacted.status).toBe(200);
      await eventually(() => expect(sink.lines.some((l) => l.msg === 'watch expired; relisting')).toBe(true), 20_000);
      await eventually(() => expect(lw.relists).toBeGreaterThan(0));
      expect(lw.get('default/before-expiry')).toBeDefined();
      await createConfigMap(kc, 'default', 'after-expiry');
      await eventually(() => expect(events).toContainEqual(['ADDED', 'after-expiry']));
      lw.stop();
    } finally {
      await plane.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
