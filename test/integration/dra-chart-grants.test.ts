// With dra.enabled, the chart's ServiceAccounts, ClusterRoles and the agents' node policy are
// enough for DRA and no more: agents holding Pod-bound tokens of the chart's agent
// ServiceAccount publish their nodes' slices and prepare a claim, the controller with its own
// token writes the DeviceClass, a shared device's slice and claim templates, everything goes
// when the Configuration does, and an agent that writes a slice for another node is refused by
// the admission policy, naming why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerController } from '../../controller/broker-controller.ts';
import { DRA_DRIVER } from '../../lib/dra/driver.ts';
import { RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceClaim, type ResourceSlice } from '../../lib/dra/resource-api.ts';
import { instanceSlices } from '../../lib/dra/slice-plan.ts';
import { KubeApiError, kubeRequest, serverSideApply, type KubeEndpoint } from '../../lib/kube/raw-request.ts';
import { LiteKubeConfig } from '../../lib/kube/lite-kube-config.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { chartDir, helm, valueFlags } from '../helm/helm-cli.ts';
import { manifests } from '../helm/rendered.ts';
import { serviceAccountCredentials } from '../helm/service-account-kubeconfig.ts';
import { eventually } from '../support/wait.ts';
import { applyConfiguration, deleteConfiguration, listInstances } from './support/agent-nodes.ts';
import { agentIdentity } from './support/agent-identities.ts';
import { useTestCluster } from './support/cluster.ts';
import { DevicePluginNode } from './support/device-plugin-node.ts';
import { createClaimingPod, createClaimTemplate, getDeviceClass, listPods, listSlices } from './support/dra-objects.ts';
import { TestKubelet } from './support/test-kubelet.ts';

const cluster = useTestCluster('dra-grants');
const tag = randomBytes(2).toString('hex');
const release = `dg${tag}`;
const [local, shared] = [`dg-${tag}-local`, `dg-${tag}-shared`];
const scratch = mkdtempSync(join(tmpdir(), 'akri-dg-'));
const KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
let grants = '';
let heartbeats: TestKubelet;
let nodes: Record<string, DevicePluginNode> = {};
const agentKcs: Record<string, KubeEndpoint> = {};
let controller: BrokerController;

const echo = (name: string) => ({ discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ["${name}"]` }, capacity: 1, deviceAllocation: 'DRA' });
const slicesOf = async (cfg: string): Promise<ResourceSlice[]> => (await listSlices(cluster.kc)).filter((s) => s.spec.pool.name.startsWith(`${cluster.namespace}/${cfg}-`));

beforeAll(async () => {
  const rendered = await helm(['template', release, chartDir, '--namespace', cluster.namespace, '--kube-version', '1.34.0', ...valueFlags({ dra: { enabled: true } })]);
  expect(rendered.code, rendered.stderr).toBe(0);
  grants = manifests(rendered.stdout)
    .filter((m) => KINDS.has(m.kind) && (m.kind !== 'Role' && m.kind !== 'RoleBinding' ? true : (m.metadata.namespace ?? cluster.namespace) === cluster.namespace))
    .map((m) => JSON.stringify(m))
    .join('\n---\n');
  const applied = await cluster.kubectl(['apply', '-f', '-'], grants);
  expect(applied.code, applied.stderr).toBe(0);
  heartbeats = new TestKubelet(cluster.kc, cluster.namespace, [local, shared]);
  heartbeats.autoRun = false;
  await heartbeats.register();
  for (const [node, isShared] of [[local, false], [shared, true]] as const) {
    const identity = await agentIdentity(cluster.kc, cluster.kubeconfig, cluster.namespace, `${release}-akri-ts-agent`, node, scratch);
    agentKcs[node] = identity.kc;
    nodes[node] = await new DevicePluginNode(node, identity.kc, cluster.namespace, { shared: isShared, dra: true }).start();
  }
  const creds = await serviceAccountCredentials(cluster.kc, cluster.kubeconfig, cluster.namespace, `${release}-akri-ts-controller`, scratch);
  controller = new BrokerController({
    kc: LiteKubeConfig.load(creds.kubeconfig),
    identity: 'dra-grants',
    logger: new Logger({ test: true }, (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error'),
    registry: new Registry(),
    namespace: cluster.namespace,
    leaseNamespace: cluster.namespace,
    leaseDurationMs: 4000,
    dra: true,
  });
  await controller.start();
  await eventually(() => expect(controller.isLeader).toBe(true), 20_000);
}, 180_000);

afterAll(async () => {
  await controller?.stop();
  for (const n of Object.values(nodes)) await n.stop();
  nodes = {};
  await heartbeats?.stop();
  if (grants) await cluster.kubectl(['delete', '--ignore-not-found', '-f', '-'], grants);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the chart with dra.enabled grants what DRA uses', () => {
  it('lets the agents publish their slices and prepare a claim, and the controller its class, shared slice and templates', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'granted', echo('g0'));
    await eventually(async () => {
      const slices = await slicesOf('granted');
      expect(slices.map((s) => s.spec.nodeName ?? 'selector').sort()).toEqual([local, 'selector'].sort());
      expect(await getDeviceClass(cluster.kc, 'granted')).toBeDefined();
    }, 60_000);
    // A pod on the local device's node; that node's agent reads the claim with its own token.
    await createClaimTemplate(cluster.kc, cluster.namespace, 'granted-one', 'granted', 'device.attributes["akri.sh"].shared == false');
    await createClaimingPod(cluster.kc, cluster.namespace, 'granted-user', 'granted-one', { test: 'granted' }, local);
    const claimName = await eventually(async () => {
      const [p] = await listPods(cluster.kc, cluster.namespace, 'test=granted');
      const name = p?.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
      expect(p?.spec?.nodeName).toBe(local);
      expect(name).toBeDefined();
      return name as string;
    }, 60_000);
    const claim = await eventually(async () => {
      const c = await kubeRequest<ResourceClaim>(cluster.kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${cluster.namespace}/resourceclaims/${claimName}` });
      expect(c.status?.allocation).toBeDefined();
      return c;
    });
    const ref = { namespace: cluster.namespace, name: claimName, uid: claim.metadata.uid ?? '' };
    const res = await nodes[local]?.draKubelet?.prepare(DRA_DRIVER, [ref]);
    expect(res?.claims[ref.uid]?.error).toBe('');
    expect(res?.claims[ref.uid]?.devices).toHaveLength(1);
  });

  it("refuses an agent's write of another node's slice, naming why", async () => {
    const agentKc = agentKcs[local] as KubeEndpoint;
    const [slice] = instanceSlices({ namespace: cluster.namespace, name: 'forged-aaaaaa', configuration: 'granted', capacity: 1, shared: false, nodes: [shared], properties: {} }, { nodeName: shared }, 'agent-forged').slices;
    const err = await serverSideApply(agentKc, `${RESOURCE_SLICES_PATH}/${slice?.metadata.name}`, { ...slice, spec: { ...slice?.spec, pool: { ...slice?.spec.pool, generation: 1 } } }, 'forger', true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(403);
    expect((err as Error).message).toMatch(/may write only ResourceSlices whose spec.nodeName is its node/);
  }, 60_000);

  it('lets each remove what it wrote when the Configuration goes', async () => {
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${cluster.namespace}/pods/granted-user`, body: { gracePeriodSeconds: 0 } }).catch(() => undefined);
    await deleteConfiguration(cluster.kc, cluster.namespace, 'granted');
    await eventually(async () => {
      expect(await slicesOf('granted')).toEqual([]);
      expect(await getDeviceClass(cluster.kc, 'granted')).toBeUndefined();
      expect(await listInstances(cluster.kc, cluster.namespace, 'granted')).toEqual([]);
    }, 60_000);
  });
});
