// Our agent and controller with DRA on (--dra) in front of the real kubelet on containerd 2 with
// CDI: the agent (udev embedded) discovers /dev/null and publishes it in its node's
// ResourceSlice, the controller makes its DeviceClass and the broker's claim template, and the
// kubelet registers the agent's DRA plugin through plugins_registry. A pod whose
// ResourceClaimTemplate selects the device by attribute is scheduled by the real scheduler,
// prepared by the agent into a CDI spec file, and runs with /dev/null in its OCI spec and
// UDEV_DEVNODE (plain and _<HASH>) in its environment, as the broker does; an agent restarted
// between prepare and unprepare loses nothing; deleting the pod unprepares its claim and
// removes the file.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { BrokerController } from '../../controller/broker-controller.ts';
import { UdevDiscoveryHandler } from '../../discovery-handlers/udev/udev-discovery-handler.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { RESOURCE_API, type ResourceClaim } from '../../lib/dra/resource-api.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { applyConfiguration, deleteConfiguration, listInstances } from '../integration/support/agent-nodes.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { createClaimTemplate, getDeviceClass, listSlices } from '../integration/support/dra-objects.ts';
import { brokerPod, createPod, until, waitForPhase, waitForPodGone } from '../node/support/broker-pods.ts';

const cluster = useTestCluster('node-dra');
const nodeName = inject('nodeName');
const image = inject('brokerImage');
const kubeletRoot = inject('kubeletRootDir');
const cdiDir = inject('cdiSpecDir');
const containerdState = inject('containerdStateDir');
const level = (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error';

const CONFIGURATION = 'null-dra';
let dir: string;
let agent: Agent | undefined;
let registry: Registry;
let controller: BrokerController;

/** The agent as the DaemonSet runs it with dra.enabled: udev embedded, the kubelet's root, CDI. */
async function startAgent(): Promise<void> {
  const logger = new Logger({ test: true }, level);
  registry = new Registry();
  agent = new Agent({
    nodeName,
    handlersDir: join(dir, 'handlers'),
    kubeConfig: cluster.kc,
    logger,
    registry,
    namespace: cluster.namespace,
    defaultGracePeriodSeconds: 2,
    maxStreamBackoffMs: 1000,
    embeddedHandlers: [new UdevDiscoveryHandler({ choice: 'sysfs', sysfsPollIntervalMs: 500, logger })],
    kubeletDir: kubeletRoot,
    stateDir: join(dir, 'state'),
    dra: { cdiDir },
  });
  await agent.start();
  await until('the kubelet to register the DRA driver akri.sh', async () => {
    const m = await registry.getSingleMetric('akri_dra_plugin_registered')?.get();
    return m?.values[0]?.value === 1 ? true : undefined;
  }, 60_000, 200);
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

async function logsOf(pod: string): Promise<string> {
  return until(`${pod} to print its environment`, async () => {
    const res = await cluster.kubectl(['logs', '-n', cluster.namespace, pod]);
    return res.code === 0 && res.stdout.includes('--- end ---') ? res.stdout : undefined;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akri-ts-node-dra-'));
  mkdirSync(join(dir, 'handlers'));
  await startAgent();
  controller = new BrokerController({
    kc: cluster.kc,
    identity: 'node-dra-controller',
    logger: new Logger({ test: true }, level),
    registry: new Registry(),
    namespace: cluster.namespace,
    leaseNamespace: cluster.namespace,
    leaseDurationMs: 4000,
    dra: true,
  });
  await controller.start();
}, 300_000);

afterAll(async () => {
  await deleteConfiguration(cluster.kc, cluster.namespace, CONFIGURATION);
  await until(
    'the DRA Configuration and its broker to be gone',
    async () =>
      (await listInstances(cluster.kc, cluster.namespace, CONFIGURATION)).length === 0 &&
      (await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `akri.sh/configuration=${CONFIGURATION}` })).items.length === 0
        ? true
        : undefined,
    90_000,
  ).catch(() => undefined);
  await controller?.stop();
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('DRA on a real kubelet with containerd 2 and CDI, through our agent and controller', () => {
  let instance: Instance;

  it('publishes the udev device in its node\'s ResourceSlice and runs the broker with the device through its claim', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, CONFIGURATION, {
      discoveryHandler: { name: 'udev', discoveryDetails: JSON.stringify({ udevRules: ['KERNEL=="null"'] }) },
      capacity: 2,
      deviceAllocation: 'DRA',
      brokerSpec: {
        brokerPodSpec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          dnsPolicy: 'Default',
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'broker', image, imagePullPolicy: 'Never', resources: { limits: { '{{PLACEHOLDER}}': '1' } } }],
        },
      },
    });
    instance = await until('the /dev/null Instance', async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, CONFIGURATION);
      return list.length === 1 ? list[0] : undefined;
    });
    expect(instance.spec.brokerProperties).toMatchObject({ UDEV_DEVNODE: '/dev/null' });
    const slice = await until('its ResourceSlice', async () => (await listSlices(cluster.kc)).find((s) => s.spec.pool.name === poolName({ namespace: cluster.namespace, name: instance.metadata.name ?? '' })));
    expect(slice.spec.nodeName).toBe(nodeName);
    await until('its DeviceClass', () => getDeviceClass(cluster.kc, CONFIGURATION));

    const broker = await until('the broker pod', async () => {
      const res = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `akri.sh/instance=${instance.metadata.name}` });
      return res.items[0]?.metadata?.name;
    });
    const running = await waitForPhase(cluster.core, cluster.namespace, broker, 'Running', 180_000);
    expect(running.spec?.resourceClaims).toEqual([{ name: 'akri-device', resourceClaimTemplateName: instance.metadata.name }]);
    const hash = (instance.metadata.name ?? '').slice(-6).toUpperCase();
    const logs = await logsOf(broker);
    expect(logs).toContain('UDEV_DEVNODE=/dev/null');
    expect(logs).toContain(`UDEV_DEVNODE_${hash}=/dev/null`);
    expect(runtimeDevices(running)).toContainEqual(['/dev/null', 'c']);
  });

  it('runs a pod that selects the device by attribute, loses nothing across an agent restart, and unprepares its claim when it goes', async () => {
    await createClaimTemplate(cluster.kc, cluster.namespace, 'null-by-devnode', CONFIGURATION, 'device.attributes["akri.sh"].UDEV_DEVNODE == "/dev/null"');
    const pod = brokerPod('dra-user', image, nodeName);
    pod.spec = {
      ...pod.spec,
      containers: (pod.spec?.containers ?? []).map((c) => ({ ...c, resources: { claims: [{ name: 'udev' }] } })),
      resourceClaims: [{ name: 'udev', resourceClaimTemplateName: 'null-by-devnode' }],
    } as V1Pod['spec'];
    const filesBefore = new Set(ourCdiFiles());
    await createPod(cluster.core, cluster.namespace, pod);
    const running = await waitForPhase(cluster.core, cluster.namespace, 'dra-user', 'Running', 180_000);
    expect(running.spec?.nodeName).toBe(nodeName);
    const hash = (instance.metadata.name ?? '').slice(-6).toUpperCase();
    const logs = await logsOf('dra-user');
    expect(logs).toContain('UDEV_DEVNODE=/dev/null');
    expect(logs).toContain(`UDEV_DEVNODE_${hash}=/dev/null`);
    expect(runtimeDevices(running)).toContainEqual(['/dev/null', 'c']);

    const claimName = running.status?.resourceClaimStatuses?.[0]?.resourceClaimName ?? '';
    const claim = await kubeRequest<ResourceClaim>(cluster.kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${cluster.namespace}/resourceclaims/${claimName}` });
    expect(claim.status?.allocation?.devices?.results).toEqual([expect.objectContaining({ driver: 'akri.sh', pool: poolName({ namespace: cluster.namespace, name: instance.metadata.name ?? '' }) })]);
    const file = `akri.sh-claim_${claim.metadata.uid}.json`;
    expect(ourCdiFiles().filter((f) => !filesBefore.has(f))).toEqual([file]);

    // The agent goes away and comes back between prepare and unprepare.
    await agent?.stop();
    await startAgent();
    expect(existsSync(join(cdiDir, file))).toBe(true);

    await cluster.core.deleteNamespacedPod({ namespace: cluster.namespace, name: 'dra-user' });
    await waitForPodGone(cluster.core, cluster.namespace, 'dra-user', 120_000);
    await until('the claim to be unprepared and its CDI file removed', async () => (existsSync(join(cdiDir, file)) ? undefined : true), 60_000);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'state', `dra-${nodeName}.json`), 'utf8')) as { claims: Array<{ claim: { uid: string } }> };
    expect(checkpoint.claims.map((c) => c.claim.uid)).not.toContain(claim.metadata.uid);
  });
});
