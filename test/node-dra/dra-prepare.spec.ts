// Our DRA plugin (agent/dra) in front of the real kubelet on containerd 2 with CDI: the kubelet
// registers the driver akri.sh through plugins_registry; a pod whose ResourceClaimTemplate
// selects a udev device (/dev/null) by attribute is scheduled by the real scheduler onto the
// device's node-local ResourceSlice, prepared by our plugin into a CDI spec file, and runs with
// /dev/null in its OCI spec and UDEV_DEVNODE (plain and _<HASH>) in its environment; deleting
// it unprepares the claim and removes the file; an agent restarted between prepare and
// unprepare loses nothing.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CdiFiles } from '../../agent/dra/cdi-files.ts';
import { ClaimPreparer } from '../../agent/dra/claim-preparer.ts';
import type { DraDevice, DraDeviceSource } from '../../agent/dra/device-source.ts';
import { KubeletPlugin } from '../../agent/dra/kubelet-plugin.ts';
import type { PoolInstance } from '../../agent/dra/prepare-plan.ts';
import { PreparedClaims } from '../../agent/dra/prepared-claims.ts';
import { DraMetrics } from '../../agent/observability/dra-metrics.ts';
import { deviceClassFor } from '../../lib/dra/device-class.ts';
import { agentWriter } from '../../lib/dra/driver.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { DEVICE_CLASSES_PATH, RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceClaim } from '../../lib/dra/resource-api.ts';
import { instanceSlices } from '../../lib/dra/slice-plan.ts';
import { kubeRequest, serverSideApply } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { createClaimTemplate } from '../integration/support/dra-objects.ts';
import { brokerPod, createPod, until, waitForPhase, waitForPodGone } from '../node/support/broker-pods.ts';

const cluster = useTestCluster('node-dra');
const nodeName = inject('nodeName');
const image = inject('brokerImage');
const kubeletRoot = inject('kubeletRootDir');
const cdiDir = inject('cdiSpecDir');
const containerdState = inject('containerdStateDir');
const level = (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error';

const CONFIGURATION = 'null-dra';
const HASH = 'c0ffee';
let instance: PoolInstance;
let device: DraDevice;
let stateDir: string;
let plugin: KubeletPlugin | undefined;
let registered = false;

/** The agent's DRA side, as a restarted agent would bring it up: from the state directory. */
async function startDraPlugin(): Promise<void> {
  const log = new Logger({ test: true, node: nodeName }, level);
  const source: DraDeviceSource = { ofInstance: (ns, n) => (ns === instance.namespace && n === instance.name ? device : undefined), subscribe: () => () => undefined };
  const preparer = new ClaimPreparer({
    node: nodeName,
    readClaim: (ns, name) => kubeRequest<ResourceClaim>(cluster.kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${ns}/resourceclaims/${name}` }),
    prepared: new PreparedClaims(stateDir, nodeName),
    cdi: new CdiFiles(cdiDir),
    instanceOfPool: (p) => (p === poolName(instance) ? instance : undefined),
    devices: source,
    metrics: new DraMetrics(new Registry()),
    log,
  });
  await preparer.restore();
  registered = false;
  plugin = new KubeletPlugin({ kubeletDir: kubeletRoot, backend: preparer, log, onRegistration: (ok) => (registered = ok) });
  await plugin.start();
  await until('the kubelet to register the DRA driver akri.sh', async () => (registered ? true : undefined), 60_000, 200);
}

function ourCdiFiles(): string[] {
  return readdirSync(cdiDir).filter((f) => f.startsWith('akri.sh-claim_'));
}

/** [path, type] of linux.devices in the OCI runtime spec containerd wrote for the container. */
function runtimeDevices(pod: V1Pod): [string, string][] {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '') ?? '';
  const spec = JSON.parse(readFileSync(join(containerdState, 'io.containerd.runtime.v2.task', 'k8s.io', id, 'config.json'), 'utf8')) as {
    linux?: { devices?: { path: string; type: string }[] };
  };
  return (spec.linux?.devices ?? []).map((d) => [d.path, d.type]);
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'akri-ts-node-dra-'));
  instance = { namespace: cluster.namespace, name: `${CONFIGURATION}-${HASH}`, capacity: 1, nodes: [nodeName], brokerProperties: { UDEV_DEVNODE: '/dev/null', UDEV_DEVPATH: '/devices/virtual/mem/null' } };
  device = {
    configuration: `${cluster.namespace}/${CONFIGURATION}`,
    key: HASH,
    instance: { namespace: instance.namespace, name: instance.name },
    properties: instance.brokerProperties,
    mounts: [],
    deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rwm' }],
    shared: false,
  };
  await startDraPlugin();
  // What the controller and this node's agent publish for a DRA Configuration's local device.
  const dc = deviceClassFor({ namespace: cluster.namespace, name: CONFIGURATION });
  await serverSideApply(cluster.kc, `${DEVICE_CLASSES_PATH}/${dc.metadata.name}`, dc, 'node-dra-test', true);
  const node = await cluster.core.readNode({ name: nodeName });
  const { slices } = instanceSlices(
    { ...instance, configuration: CONFIGURATION, shared: false, properties: instance.brokerProperties },
    { nodeName, owner: { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata?.uid ?? '' } },
    agentWriter(nodeName),
  );
  for (const s of slices) await serverSideApply(cluster.kc, `${RESOURCE_SLICES_PATH}/${s.metadata.name}`, { ...s, spec: { ...s.spec, pool: { ...s.spec.pool, generation: 1 } } }, 'node-dra-test', true);
}, 300_000);

afterAll(async () => {
  await plugin?.stop();
  for (const s of ['dra-user']) await cluster.core.deleteNamespacedPod({ namespace: cluster.namespace, name: s }).catch(() => undefined);
  await kubeRequest(cluster.kc, { method: 'DELETE', path: `${DEVICE_CLASSES_PATH}/${CONFIGURATION}` }).catch(() => undefined);
  await kubeRequest(cluster.kc, { method: 'DELETE', path: RESOURCE_SLICES_PATH, query: { labelSelector: `akri.sh/instance=${instance.name}` } }).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('DRA on a real kubelet with containerd 2 and CDI', () => {
  it('runs a pod that selects the udev device by attribute, with /dev/null and UDEV_DEVNODE inside; an agent restart in between loses nothing; deleting it unprepares the claim', async () => {
    await createClaimTemplate(cluster.kc, cluster.namespace, 'null-by-devnode', CONFIGURATION, 'device.attributes["akri.sh"].UDEV_DEVNODE == "/dev/null"');
    const pod = brokerPod('dra-user', image, nodeName);
    pod.spec = {
      ...pod.spec,
      containers: (pod.spec?.containers ?? []).map((c) => ({ ...c, resources: { claims: [{ name: 'udev' }] } })),
      resourceClaims: [{ name: 'udev', resourceClaimTemplateName: 'null-by-devnode' }],
    } as V1Pod['spec'];
    await createPod(cluster.core, cluster.namespace, pod);
    const running = await waitForPhase(cluster.core, cluster.namespace, 'dra-user', 'Running', 180_000);
    expect(running.spec?.nodeName).toBe(nodeName);

    const logs = await until('the pod to print its environment', async () => {
      const res = await cluster.kubectl(['logs', '-n', cluster.namespace, 'dra-user']);
      return res.code === 0 && res.stdout.includes('--- end ---') ? res.stdout : undefined;
    });
    expect(logs).toContain('UDEV_DEVNODE=/dev/null');
    expect(logs).toContain(`UDEV_DEVNODE_${HASH.toUpperCase()}=/dev/null`);
    expect(runtimeDevices(running)).toContainEqual(['/dev/null', 'c']);
    const files = ourCdiFiles();
    expect(files).toHaveLength(1);
    const claimUid = files[0]?.slice('akri.sh-claim_'.length, -'.json'.length);
    const claimName = running.status?.resourceClaimStatuses?.[0]?.resourceClaimName ?? '';
    const claim = await kubeRequest<ResourceClaim>(cluster.kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${cluster.namespace}/resourceclaims/${claimName}` });
    expect(claim.metadata.uid).toBe(claimUid);
    expect(claim.status?.allocation?.devices?.results).toEqual([expect.objectContaining({ driver: 'akri.sh', pool: poolName(instance), device: 'slot-0' })]);

    // The agent goes away and comes back between prepare and unprepare.
    await plugin?.stop();
    await startDraPlugin();
    expect(existsSync(join(cdiDir, files[0] ?? ''))).toBe(true);

    await cluster.core.deleteNamespacedPod({ namespace: cluster.namespace, name: 'dra-user' });
    await waitForPodGone(cluster.core, cluster.namespace, 'dra-user', 120_000);
    await until('the claim to be unprepared and its CDI file removed', async () => (ourCdiFiles().length === 0 ? true : undefined), 60_000);
    const checkpoint = JSON.parse(readFileSync(join(stateDir, `dra-${nodeName}.json`), 'utf8')) as { claims: unknown[] };
    expect(checkpoint.claims).toEqual([]);
  });
});
