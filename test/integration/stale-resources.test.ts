// The agent's tidying of stale akri.sh/* Node capacity (Akri #181) against the real API server:
// the test owns the Node's status, as a kubelet would, and runs the tidier with a short grace.
import { FakeClock } from '../support/fake-clock.ts';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaleResourceTidier } from '../../agent/device-plugin/stale-resource-tidier.ts';
import { AgentApi } from '../../agent/kube/agent-api.ts';
import { AgentMetrics } from '../../agent/observability/agent-metrics.ts';
import { DevicePluginMetrics } from '../../agent/observability/device-plugin-metrics.ts';
import { EventRecorder } from '../../lib/kube/event-recorder.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { useTestCluster } from './support/cluster.ts';
import { deleteNode, registerReadyNode } from './support/nodes.ts';

const cluster = useTestCluster('stale');
const node = `stale-node-${process.pid}`;

interface NodeStatus {
  status?: { capacity?: Record<string, string>; allocatable?: Record<string, string> };
}

async function setResources(resources: Record<string, string>): Promise<void> {
  await kubeRequest(cluster.kc, {
    method: 'PATCH',
    path: `/api/v1/nodes/${node}/status`,
    contentType: 'application/strategic-merge-patch+json',
    body: { status: { capacity: resources, allocatable: resources } },
  });
}

async function capacity(): Promise<Record<string, string>> {
  return (await kubeRequest<NodeStatus>(cluster.kc, { method: 'GET', path: `/api/v1/nodes/${node}` })).status?.capacity ?? {};
}

beforeAll(async () => {
  await registerReadyNode(cluster.kc, node);
});

afterAll(async () => {
  await deleteNode(cluster.kc, node);
});

describe('stale akri.sh capacity', () => {
  it('is removed after the grace when no plugin serves it and it reads 0; served, non-zero and foreign entries stay', async () => {
    await setResources({ 'akri.sh/cam-aaaaaa': '0', 'akri.sh/cam': '0', 'akri.sh/cam-bbbbbb': '2', 'example.com/gpu': '0' });
    const clock = new FakeClock(1_000_000);
    const registry = new Registry();
    const metrics = new DevicePluginMetrics(registry);
    const sink = new MemorySink();
    const tidier = new StaleResourceTidier({
      node,
      api: new AgentApi(cluster.kc, new AgentMetrics(registry)),
      events: new EventRecorder(cluster.kc, 'akri-agent', node),
      log: new Logger({ test: 'stale' }, 'debug', sink),
      clock,
      graceMs: 60_000,
      pollMs: 3_600_000,
      served: () => new Set(['akri.sh/cam']),
      removed: metrics.staleResourcesRemoved,
    });

    expect(await tidier.round()).toEqual([]);
    await clock.advance(59_999);
    expect(await tidier.round()).toEqual([]);
    expect(await capacity()).toHaveProperty(['akri.sh/cam-aaaaaa'], '0');
    await clock.advance(1);
    expect(await tidier.round()).toEqual(['akri.sh/cam-aaaaaa']);

    const after = await kubeRequest<NodeStatus>(cluster.kc, { method: 'GET', path: `/api/v1/nodes/${node}` });
    expect(after.status?.capacity).not.toHaveProperty(['akri.sh/cam-aaaaaa']);
    expect(after.status?.allocatable).not.toHaveProperty(['akri.sh/cam-aaaaaa']);
    expect(after.status?.capacity).toMatchObject({ 'akri.sh/cam': '0', 'akri.sh/cam-bbbbbb': '2', 'example.com/gpu': '0', cpu: '2' });
    expect(await registry.getSingleMetricAsString('akri_stale_resources_removed_total')).toContain('akri_stale_resources_removed_total{reason="stale"} 1');

    const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${node},reason=StaleResourcesRemoved` });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]?.message).toContain('akri.sh/cam-aaaaaa');
    expect(events.items[0]?.involvedObject.kind).toBe('Node');
  });

  it('leaves an entry alone when it no longer reads 0 by the time of the patch', async () => {
    await setResources({ 'akri.sh/door-cccccc': '0' });
    const clock = new FakeClock(0);
    const registry = new Registry();
    const api = new AgentApi(cluster.kc, new AgentMetrics(registry));
    // The kubelet writes the entry again between the tidier's read and its patch.
    const racing: AgentApi = Object.assign(Object.create(api) as AgentApi, {
      request: async <T>(req: Parameters<AgentApi['request']>[0]): Promise<T> => {
        if (req.method === 'PATCH') await setResources({ 'akri.sh/door-cccccc': '1' });
        return api.request<T>(req);
      },
    });
    const tidier = new StaleResourceTidier({
      node,
      api: racing,
      events: new EventRecorder(cluster.kc, 'akri-agent', node),
      log: new Logger({ test: 'stale' }, 'error'),
      clock,
      graceMs: 1000,
      pollMs: 3_600_000,
      served: () => new Set(),
      removed: new DevicePluginMetrics(registry).staleResourcesRemoved,
    });
    expect(await tidier.round()).toEqual([]);
    await clock.advance(1000);
    expect(await tidier.round()).toEqual([]);
    expect(await capacity()).toHaveProperty(['akri.sh/door-cccccc'], '1');
  });
});
