// Edge autonomy: the API server goes away (its own control plane, so stopping kube-apiserver
// disturbs no other test file). Known devices stay advertised, pods are still allocated slots
// from the local ledger, nothing is deleted, an agent restarted meanwhile serves its devices
// from the node-local checkpoint, and once the API server is back the ledger and the Instances
// agree again. The outage lasts a full minute, as long as the issue asks: every watch, retry,
// replay and reclaim loop of the agent (they tick every 0.25-2 s) runs many times over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../lib/crd/instance.ts';
import { installCrds } from '../../lib/kube/install-crds.ts';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { deviceHash } from '../../lib/naming/instance-name.ts';
import { ControlPlane } from '../../cli/start/control-plane/control-plane.ts';
import { applyConfiguration } from './support/agent-nodes.ts';
import { DevicePluginNode, dpNodeNames } from './support/device-plugin-node.ts';
import { eventually, holdsFor } from '../support/wait.ts';

const OUTAGE_MS = 60_000;
const ns = 'autonomy';
const dir = mkdtempSync(join(tmpdir(), 'akri-ts-autonomy-'));
const plane = new ControlPlane({ dir, scheduler: false, controllerManager: false });
let kc: KubeConfig;
let nodes: DevicePluginNode[] = [];

beforeAll(async () => {
  const ep = await plane.start();
  kc = loadKubeConfig(ep.kubeconfig);
  await installCrds(kc);
  await kubeRequest(kc, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  nodes = dpNodeNames(2, 'edge').map((n) => new DevicePluginNode(n, kc, ns, { slotReclaimGraceMs: 2000 }));
  await Promise.all(nodes.map((n) => n.start()));
}, 180_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function getInstance(name: string): Promise<Instance> {
  return kubeRequest<Instance>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns}/instances/${name}` });
}

describe('the API server goes away', () => {
  it('devices stay advertised, pods are allocated, nothing is deleted, a restarted agent serves from its checkpoint, and all agree afterwards', async () => {
    const [a, b] = nodes;
    if (!a || !b) throw new Error('two nodes expected');
    const instance = `edge-${deviceHash('edge-dev', true, 'x')}`;
    const resource = `akri.sh/${instance}`;
    await applyConfiguration(kc, ns, 'edge', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["edge-dev"]' }, capacity: 2 });
    for (const n of nodes) await n.kubelet.waitFor(() => n.kubelet.capacity()[resource]?.allocatable === 2, 30_000, `${resource} on ${n.name}`);
    expect((await a.admit('online-pod', resource)).admitted).toBe(true);
    const before = await getInstance(instance);
    expect(Object.values(before.spec.deviceUsage ?? {})).toEqual([a.name]);

    let restarted: Promise<void> = Promise.resolve();
    await plane.stopComponent('kube-apiserver');
    const outageStart = Date.now();
    try {
      // A pod on the node is still allocated a slot, from the local ledger.
      const offline = await a.admit('offline-pod', resource);
      expect(offline.admitted).toBe(true);
      expect(await a.metrics()).toMatch(/akri_slot_ledger_api_reachable 0/);
      expect(await a.metrics()).toMatch(/akri_slot_claims_total\{result="offline"\} 1/);

      // The agent restarts while the API server is away: the checkpoint brings its devices back.
      await a.stopAgent();
      await a.kubelet.waitFor(() => !a.kubelet.isRegistered(resource), 5000, 'plugin gone with the agent');
      const restart = a.startAgent();
      restarted = restart.started;
      restarted.catch(() => undefined);
      await a.kubelet.waitFor(() => a.kubelet.isRegistered(resource) && a.kubelet.capacity()[resource]?.allocatable === 2, 10_000, 'served again from the checkpoint');
      // Both slots are this node's: nothing more can be admitted, on either node.
      expect((await a.admit('third-pod', resource)).admitted).toBe(false);

      // A pod ends while offline: its slot is freed locally, the write queued.
      a.removePod('online-pod');
      await eventually(() => expect(a.agent?.devicePlugins?.ledger.held().map((h) => h.value)).toEqual([a.name]), 10_000);

      // Devices stay advertised for the rest of the outage.
      const left = OUTAGE_MS - (Date.now() - outageStart);
      await holdsFor(() => {
        expect(a.kubelet.capacity()[resource]?.capacity).toBe(2);
        expect(b.kubelet.capacity()[resource]?.capacity).toBe(2);
      }, Math.max(0, left), 500);
    } finally {
      await plane.startComponent('kube-apiserver');
    }
    // The restarted agent finishes starting once the API server answers its first list.
    await restarted;

    // Nothing was deleted, and the API server's ledger is what node a holds.
    await eventually(async () => {
      const after = await getInstance(instance);
      expect(after.metadata.uid).toBe(before.metadata.uid);
      expect([...(after.spec.nodes ?? [])].sort()).toEqual([a.name, b.name].sort());
      const usage = after.spec.deviceUsage ?? {};
      const held = a.agent?.devicePlugins?.ledger.held() ?? [];
      expect(usage).toEqual(Object.fromEntries(held.map((h) => [h.slot, h.value])));
      expect(Object.values(usage)).toEqual([a.name]);
    }, 30_000);
    // Node b sees exactly one free slot again.
    await b.kubelet.waitFor(() => b.freeAllocatable(resource) === 1, 15_000, 'node b agrees');
    expect(await a.metrics()).toMatch(/akri_slot_ledger_api_reachable 1/);
    expect(await a.metrics()).toMatch(/akri_slot_ledger_pending_writes 0/);
  }, 240_000);
});
