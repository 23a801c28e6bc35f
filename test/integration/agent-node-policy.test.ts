// Each agent may touch only its own node, proven with two agents' real credentials: the chart's
// RBAC and ValidatingAdmissionPolicy applied to the real API server, two Nodes (no kubelets),
// one agent Pod on each, and a ServiceAccount token bound to each Pod. Agent A's writes to its
// own entries (made with the agent's own writer classes) pass; every attempt to write node B's
// entries, or anything beyond entries, is refused with the policy's message; a token bound to
// no Pod may write nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentApi } from '../../agent/kube/agent-api.ts';
import { AgentMetrics } from '../../agent/observability/agent-metrics.ts';
import { InstanceWriter } from '../../agent/instances/instance-writer.ts';
import { StatusWriter } from '../../agent/status/status-writer.ts';
import { DeviceUsageWriter } from '../../agent/device-plugin/device-usage-writer.ts';
import { nodeStatus } from '../../agent/status/node-status.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import type { Configuration } from '../../lib/crd/configuration.ts';
import { kubeRequest, serverSideApply, type KubeEndpoint, type KubeRequest } from '../../lib/kube/raw-request.ts';
import { LiteKubeConfig } from '../../lib/kube/lite-kube-config.ts';
import { helmTemplate } from '../helm/helm-cli.ts';
import { serviceAccountCredentials } from '../helm/service-account-kubeconfig.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { agentIdentity, whoAmI, type AgentIdentity } from './support/agent-identities.ts';

const cluster = useTestCluster('nodepol');
const release = `np${randomBytes(3).toString('hex')}`;
const fullname = `${release}-akri-ts`;
const agentSa = `${fullname}-agent`;
const tag = randomBytes(2).toString('hex');
const nodeA = `pol-${tag}-a`;
const nodeB = `pol-${tag}-b`;
const scratch = mkdtempSync(join(tmpdir(), 'akri-ts-nodepol-'));
const POLICY_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
let rbacYaml = '';
let a: AgentIdentity;
let b: AgentIdentity;

const ns = () => cluster.namespace;
const cfgPath = (name = 'cam') => `/apis/akri.sh/v0/namespaces/${ns()}/configurations/${name}`;
const instPath = (name = 'cam-a1b2c3') => `/apis/akri.sh/v0/namespaces/${ns()}/instances/${name}`;
const api = (kc: KubeEndpoint) => new AgentApi(kc, new AgentMetrics(new Registry()));

/** The request's outcome: "ok", or the API server's status code and message. */
async function attempt(kc: KubeEndpoint, req: KubeRequest): Promise<string> {
  try {
    await kubeRequest(kc, req);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}
const apply = (kc: KubeEndpoint, path: string, body: unknown, manager: string, force = false): KubeRequest => ({
  method: 'PATCH',
  path,
  query: { fieldManager: manager, force: force || undefined },
  contentType: 'application/apply-patch+yaml',
  body,
});
const merge = (path: string, body: unknown): KubeRequest => ({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body });

async function seed(): Promise<void> {
  // What both nodes' agents have written so far, set up by the admin.
  await kubeRequest(cluster.kc, {
    method: 'POST',
    path: `/apis/akri.sh/v0/namespaces/${ns()}/configurations`,
    body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'cam', finalizers: [nodeB] }, spec: { discoveryHandler: { name: 'debugEcho', discoveryDetails: '' }, capacity: 3 } },
  });
  const entry = (node: string) => nodeStatus({ node, handler: 'debugEcho', generation: 1, propertiesError: undefined, endpoints: [], instances: 0 });
  await kubeRequest(cluster.kc, merge(`${cfgPath()}/status`, { status: { nodes: [entry(nodeB)] } }));
  const uid = (await kubeRequest<Configuration>(cluster.kc, { method: 'GET', path: cfgPath() })).metadata.uid;
  // Free slots are absent, as agents write them.
  await kubeRequest(cluster.kc, {
    method: 'POST',
    path: `/apis/akri.sh/v0/namespaces/${ns()}/instances`,
    body: {
      apiVersion: 'akri.sh/v0',
      kind: 'Instance',
      metadata: { name: 'cam-a1b2c3', finalizers: [nodeB], ownerReferences: [{ apiVersion: 'akri.sh/v0', kind: 'Configuration', name: 'cam', uid, controller: true }] },
      spec: { configurationName: 'cam', cdiName: 'akri.sh/cam=a1b2c3', shared: true, capacity: 3, nodes: [nodeB], brokerProperties: {}, deviceUsage: { 'cam-a1b2c3-0': nodeB, 'cam-a1b2c3-2': `C:cam-0:${nodeB}` } },
    },
  });
}

beforeAll(async () => {
  const r = await helmTemplate({}, ['--namespace', ns()]);
  expect(r.code, r.stderr).toBe(0);
  const docs = r.stdout.split(/^---$/m).filter((d) => /^kind: (\w+)$/m.test(d) && POLICY_KINDS.has(/^kind: (\w+)$/m.exec(d)?.[1] ?? ''));
  rbacYaml = docs.join('\n---\n').replaceAll('akri-akri-ts', fullname).replaceAll('app.kubernetes.io/instance: akri', `app.kubernetes.io/instance: ${release}`);
  const applied = await cluster.kubectl(['apply', '-f', '-'], rbacYaml);
  expect(applied.code, applied.stderr).toBe(0);
  a = await agentIdentity(cluster.kc, cluster.kubeconfig, ns(), agentSa, nodeA, scratch);
  b = await agentIdentity(cluster.kc, cluster.kubeconfig, ns(), agentSa, nodeB, scratch);
  // The policy takes effect once the API server has loaded it: wait until a token bound to no
  // Pod is refused (a probe that changes nothing if it is let through).
  const unbound = LiteKubeConfig.load((await serviceAccountCredentials(cluster.kc, cluster.kubeconfig, ns(), agentSa, scratch, undefined, 'probe')).kubeconfig);
  await eventually(async () => expect(await attempt(unbound, merge(`/api/v1/nodes/${nodeA}/status`, {}))).toMatch(/ValidatingAdmissionPolicy/), 30_000);
  await seed();
});

afterAll(async () => {
  if (rbacYaml) await cluster.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], rbacYaml);
  for (const path of [cfgPath(), instPath(), instPath('cam-bbbbbb'), instPath('cam-cccccc')]) {
    await kubeRequest(cluster.kc, merge(path, { metadata: { finalizers: null } })).catch(() => undefined);
  }
  for (const n of [nodeA, nodeB]) await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/nodes/${n}` }).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the credentials', () => {
  it("a token bound to the agent's Pod carries that Pod's node (Kubernetes v1.34.4, no flag)", async () => {
    const me = await whoAmI(a.kc);
    expect(me.username).toBe(`system:serviceaccount:${ns()}:${agentSa}`);
    expect(me.extra?.['authentication.kubernetes.io/node-name']).toEqual([nodeA]);
    expect((await whoAmI(b.kc)).extra?.['authentication.kubernetes.io/node-name']).toEqual([nodeB]);
  });

  it('a token bound to no Pod may write nothing, and is told why', async () => {
    const loose = await serviceAccountCredentials(cluster.kc, cluster.kubeconfig, ns(), agentSa, scratch, undefined, 'unbound');
    const kc = LiteKubeConfig.load(loose.kubeconfig);
    const out = await attempt(kc, apply(kc, cfgPath(), { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'cam', finalizers: [nodeA] } }, `${nodeA}-fin`));
    expect(out).toMatch(/403 .*credentials name no node: it must use a ServiceAccount token bound to\s+its Pod/);
    // Reading stays possible: RBAC allows it and the policy governs writes only.
    await expect(kubeRequest(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns()}/configurations` })).resolves.toBeDefined();
  });
});

describe("agent A's own writes pass", () => {
  it('its finalizer and its status entry on the Configuration', async () => {
    const stored = await api(a.kc).apply<Configuration>(cfgPath(), { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'cam', namespace: ns(), finalizers: [nodeA] } }, `${nodeA}-fin`);
    expect(stored.metadata.finalizers?.sort()).toEqual([nodeA, nodeB].sort());
    const entry = nodeStatus({ node: nodeA, handler: 'debugEcho', generation: 1, propertiesError: undefined, endpoints: [], instances: 1 });
    const withStatus = await new StatusWriter(api(a.kc), nodeA).write(ns(), 'cam', entry);
    expect(withStatus?.status?.nodes?.map((n) => n.node).sort()).toEqual([nodeA, nodeB].sort());
  });

  it('joining the shared Instance, claiming a free slot, freeing it, leaving', async () => {
    const writer = new InstanceWriter(api(a.kc), nodeA);
    const owner = { name: 'cam', namespace: ns(), uid: ((await kubeRequest<Configuration>(cluster.kc, { method: 'GET', path: cfgPath() })).metadata.uid ?? '') };
    const spec = { configurationName: 'cam', cdiName: 'akri.sh/cam=a1b2c3', shared: true, capacity: 3, brokerProperties: {} };
    const joined = await writer.apply(owner, 'cam-a1b2c3', spec, true);
    expect(joined.spec.nodes?.sort()).toEqual([nodeA, nodeB].sort());
    expect(joined.metadata.finalizers?.sort()).toEqual([nodeA, nodeB].sort());
    const usage = new DeviceUsageWriter(api(a.kc), nodeA);
    expect(await usage.write(ns(), 'cam-a1b2c3', { 'cam-a1b2c3-1': nodeA })).toBe('written');
    expect(await usage.write(ns(), 'cam-a1b2c3', {})).toBe('written');
    // A slot node B holds is a conflict for A, as it always was (server-side apply, no force).
    expect(await usage.write(ns(), 'cam-a1b2c3', { 'cam-a1b2c3-0': nodeA })).toBe('conflict');
    await writer.leave(ns(), 'cam-a1b2c3', { ...spec, nodes: [nodeA, nodeB] });
    const after = await kubeRequest<Instance>(cluster.kc, { method: 'GET', path: instPath() });
    expect(after.spec.nodes).toEqual([nodeB]);
    expect(after.spec.deviceUsage).toEqual({ 'cam-a1b2c3-0': nodeB, 'cam-a1b2c3-2': `C:cam-0:${nodeB}` });
    expect(after.metadata.finalizers).toEqual([nodeB]);
  });

  it('an Instance of its own: created, then deleted when it leaves as the last node', async () => {
    const writer = new InstanceWriter(api(a.kc), nodeA);
    const owner = { name: 'cam', namespace: ns(), uid: ((await kubeRequest<Configuration>(cluster.kc, { method: 'GET', path: cfgPath() })).metadata.uid ?? '') };
    const spec = { configurationName: 'cam', cdiName: 'akri.sh/cam=bbbbbb', shared: false, capacity: 1, brokerProperties: {} };
    await writer.apply(owner, 'cam-bbbbbb', spec, true);
    await writer.leave(ns(), 'cam-bbbbbb', { ...spec, nodes: [nodeA] });
    await expect(kubeRequest(cluster.kc, { method: 'GET', path: instPath('cam-bbbbbb') })).rejects.toThrow(/404/);
  });

  it("its own Node's status (the stale akri.sh/* tidy-up)", async () => {
    await kubeRequest(cluster.kc, merge(`/api/v1/nodes/${nodeA}/status`, { status: { capacity: { 'akri.sh/gone': '0' }, allocatable: { 'akri.sh/gone': '0' } } }));
    const out = await attempt(a.kc, {
      method: 'PATCH',
      path: `/api/v1/nodes/${nodeA}/status`,
      contentType: 'application/json-patch+json',
      body: [{ op: 'remove', path: '/status/capacity/akri.sh~1gone' }, { op: 'remove', path: '/status/allocatable/akri.sh~1gone' }],
    });
    expect(out).toBe('ok');
  });
});

describe("agent A's attempts on node B's entries are refused with the policy's message", () => {
  const who = () => `the akri-ts agent of node ${nodeA}`;
  const cases: Array<[string, () => KubeRequest, () => RegExp]> = [
    ["rewrite the Configuration's brokerSpec (which the controller would run)", () => merge(cfgPath(), { spec: { brokerSpec: { brokerPodSpec: { containers: [{ name: 'x', image: 'evil' }] } } } }), () => /may change only its own finalizer on Configuration/],
    ["remove node B's finalizer from the Configuration", () => merge(cfgPath(), { metadata: { finalizers: [nodeA] } }), () => /may change only its own finalizer on Configuration/],
    ['give the Instance another owner', () => merge(instPath(), { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeB, uid: '00000000-0000-0000-0000-000000000000' }] } }), () => /may change only its own entries of Instance/],
    ['label the Configuration', () => merge(cfgPath(), { metadata: { labels: { owned: 'yes' } } }), () => /may change only its own finalizer/],
    ["write node B's status entry", () => apply(a.kc, `${cfgPath()}/status`, { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'cam' }, status: { nodes: [{ node: nodeB, state: 'Discovering', instances: 0, endpoints: 0 }] } }, `${nodeB}-status`, true), () => /may write only its own status\.nodes\[\] entry/],
    ["drop node B's status entry", () => merge(`${cfgPath()}/status`, { status: { nodes: [] } }), () => /may write only its own status\.nodes\[\] entry/],
    ['delete the Configuration', () => ({ method: 'DELETE', path: cfgPath() }), () => /forbidden/i],
    ['take the slot node B holds', () => apply(a.kc, instPath(), { apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name: 'cam-a1b2c3' }, spec: { deviceUsage: { 'cam-a1b2c3-0': nodeA } } }, `dp-${nodeA}`, true), () => /may change only its own entries of Instance/],
    ["free node B's virtual-device slot", () => merge(instPath(), { spec: { deviceUsage: { 'cam-a1b2c3-2': '' } } }), () => /may change only its own entries of Instance/],
    ['claim a free slot in node B\'s name', () => merge(instPath(), { spec: { deviceUsage: { 'cam-a1b2c3-1': nodeB } } }), () => /may change only its own entries of Instance/],
    ['remove node B from the Instance', () => merge(instPath(), { spec: { nodes: [] } }), () => /may change only its own entries of Instance/],
    ["remove node B's finalizer from the Instance", () => merge(instPath(), { metadata: { finalizers: [] } }), () => /may change only its own entries of Instance/],
    ["change brokerProperties of an Instance it is not in", () => merge(instPath(), { spec: { brokerProperties: { URL: 'rtsp://attacker' } } }), () => /capacity and brokerProperties only while it is in nodes/],
    ['move the Instance to another Configuration', () => merge(instPath(), { spec: { configurationName: 'other' } }), () => /may change only its own entries of Instance/],
    ['delete an Instance node B is in', () => ({ method: 'DELETE', path: instPath() }), () => /may delete Instance .* only when no other node is in it/],
    ['create an Instance in node B\'s name', () => ({ method: 'POST', path: `/apis/akri.sh/v0/namespaces/${ns()}/instances`, body: { apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name: 'cam-cccccc' }, spec: { configurationName: 'cam', cdiName: 'akri.sh/cam=cccccc', shared: false, capacity: 1, nodes: [nodeB] } } }), () => /may create Instance .* only with itself as its node/],
    ["patch node B's Node status", () => merge(`/api/v1/nodes/${nodeB}/status`, { status: { capacity: { 'akri.sh/fake': '100' } } }), () => new RegExp(`may write only its own Node status, not UPDATE nodes/status ${nodeB}`)],
  ];
  for (const [what, request, message] of cases) {
    it(what, async () => {
      const before = await kubeRequest<{ metadata: { resourceVersion: string } }>(cluster.kc, { method: 'GET', path: request().path.replace(/\/status$/, '') }).catch(() => undefined);
      const out = await attempt(a.kc, request());
      expect(out).toMatch(/: 403 /);
      expect(out).toMatch(message());
      if (!/forbidden/i.test(message().source)) expect(out).toContain(who());
      const after = await kubeRequest<{ metadata: { resourceVersion: string } }>(cluster.kc, { method: 'GET', path: request().path.replace(/\/status$/, '') }).catch(() => undefined);
      expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion); // nothing written
    });
  }

  it('generated slot changes: allowed exactly when every changed slot was and stays free or A\'s', async () => {
    const values = ['', nodeA, nodeB, `C:cam-0:${nodeA}`, `C:cam-1:${nodeB}`, undefined] as const;
    const mine = (v: string | undefined) => v === undefined || v === '' || v === nodeA || v === `C:cam-0:${nodeA}`;
    let seed = 11;
    const pick = () => {
      seed = (seed * 48271) % 2147483647;
      return values[seed % values.length];
    };
    const outcomes = { allowed: 0, refused: 0 };
    for (let n = 0; n < 40; n++) {
      const before: Record<string, string> = {};
      const patch: Record<string, string | null> = {};
      for (const slot of ['s0', 's1', 's2'].slice(0, 1 + (n % 3))) {
        const old = pick();
        const next = pick();
        if (old !== undefined) before[slot] = old;
        if (next !== old) patch[slot] = next ?? null;
      }
      const name = `gen-${tag}-${n}`;
      await kubeRequest(cluster.kc, {
        method: 'POST',
        path: `/apis/akri.sh/v0/namespaces/${ns()}/instances`,
        body: { apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name }, spec: { configurationName: 'cam', cdiName: `akri.sh/cam=${n}`, shared: true, capacity: 3, nodes: [nodeA, nodeB], deviceUsage: before } },
      });
      const expected = Object.entries(patch).every(([slot, next]) => mine(before[slot]) && mine(next ?? undefined));
      const out = await attempt(a.kc, merge(instPath(name), { spec: { deviceUsage: patch } }));
      expect(out === 'ok' ? 'allowed' : out, JSON.stringify({ before, patch })).toEqual(expected ? 'allowed' : expect.stringMatching(/403 .*may change only its own entries of Instance/));
      outcomes[expected ? 'allowed' : 'refused']++;
      await kubeRequest(cluster.kc, { method: 'DELETE', path: instPath(name) });
    }
    // Both outcomes were tried.
    expect(outcomes.allowed).toBeGreaterThan(3);
    expect(outcomes.refused).toBeGreaterThan(3);
  });

  it("node B's agent does the same things to its own entries unhindered", async () => {
    const usage = new DeviceUsageWriter(api(b.kc), nodeB);
    expect(await usage.write(ns(), 'cam-a1b2c3', { 'cam-a1b2c3-1': nodeB })).toBe('written');
    expect(await attempt(b.kc, apply(b.kc, cfgPath(), { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'cam', finalizers: [] } }, `${nodeB}-fin`))).toBe('ok');
  });
});
