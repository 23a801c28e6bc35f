// The full path on the real kubelet with OUR agent and controller: the agent (debugEcho and udev
// embedded) discovers devices, writes Instances and serves their device plugins to the real
// kubelet; the BrokerController makes the broker pods, which the scheduler places and the kubelet
// admits through our Allocate; `kubectl logs` shows the environment the agent put in.
//
// The kubelet's device-plugin dir is fixed (/var/lib/kubelet/device-plugins) while pod-resources
// follows its --root-dir; the agent takes one kubeletDir, so it gets a directory of two symlinks.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { BrokerController } from '../../controller/broker-controller.ts';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { DebugEchoHandler } from '../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import { UdevDiscoveryHandler } from '../../discovery-handlers/udev/udev-discovery-handler.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { applyConfiguration, listInstances } from '../integration/support/agent-nodes.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { brokerPod, createPod, nodeResource, readPod, schedulingFailures, until, waitForNodeResource, waitForPhase, waitForPodGone } from './support/broker-pods.ts';
import { holdsFor } from '../support/wait.ts';

const cluster = useTestCluster('node-ac');
const nodeName = inject('nodeName');
const image = inject('brokerImage');
const kubeletRoot = inject('kubeletRootDir');
const pluginDir = inject('devicePluginDir');
const containerdState = inject('containerdStateDir');

const level = (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error';
let dir: string;
let agent: Agent;
const availability = new DebugEchoAvailability(undefined);
let controller: BrokerController;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akri-ts-node-agent-'));
  const kubeletDir = join(dir, 'kubelet');
  mkdirSync(kubeletDir);
  symlinkSync(pluginDir, join(kubeletDir, 'device-plugins'));
  symlinkSync(join(kubeletRoot, 'pod-resources'), join(kubeletDir, 'pod-resources'));
  mkdirSync(join(dir, 'handlers'));
  const logger = new Logger({ test: true }, level);
  agent = new Agent({
    nodeName,
    handlersDir: join(dir, 'handlers'),
    kubeConfig: cluster.kc,
    logger,
    registry: new Registry(),
    namespace: cluster.namespace,
    defaultGracePeriodSeconds: 2,
    maxStreamBackoffMs: 1000,
    embeddedHandlers: [
      new DebugEchoHandler({ shared: false, availability, pollMs: 500 }),
      new UdevDiscoveryHandler({ choice: 'sysfs', sysfsPollIntervalMs: 500, logger }),
    ],
    kubeletDir,
    stateDir: join(dir, 'state'),
    slotReclaimGraceMs: 2000,
    slotReclaimPollMs: 500,
    // The default grace (the kubelet's 5-minute endpoint grace and a status sync): anything
    // shorter and the kubelet writes the entry back once more. Polled often, to end sooner.
    staleResourcePollMs: 2000,
  });
  await agent.start();
  controller = new BrokerController({
    kc: cluster.kc,
    identity: 'node-tier-controller',
    logger,
    registry: new Registry(),
    namespace: cluster.namespace,
    leaseNamespace: cluster.namespace,
    leaseDurationMs: 4000,
  });
  await controller.start();
});

afterAll(async () => {
  for (const name of ['echo', 'null', 'solo', 'gone']) {
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/apis/akri.sh/v0/namespaces/${cluster.namespace}/configurations/${name}` }).catch(() => undefined);
  }
  // Let the controller delete the brokers and the agent withdraw its plugins before they stop.
  await until('the Instances to be gone', async () => ((await listInstances(cluster.kc, cluster.namespace)).length === 0 ? true : undefined), 30_000).catch(() => undefined);
  await controller?.stop();
  await agent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function brokerPodSpec(): Record<string, unknown> {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    dnsPolicy: 'Default',
    terminationGracePeriodSeconds: 2,
    containers: [
      {
        name: 'broker',
        image,
        imagePullPolicy: 'Never',
        resources: { requests: { '{{PLACEHOLDER}}': '1' }, limits: { '{{PLACEHOLDER}}': '1' } },
      },
    ],
  };
}

async function oneInstance(configuration: string): Promise<Instance> {
  return until(`one Instance of ${configuration}`, async () => {
    const list = await listInstances(cluster.kc, cluster.namespace, configuration);
    return list.length === 1 ? list[0] : undefined;
  });
}

/** The controller's broker pod for an Instance, once Running on the node. */
async function runningBroker(instance: string): Promise<string> {
  const name = await until(`a broker pod for ${instance}`, async () => {
    const res = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `akri.sh/instance=${instance}` });
    return res.items[0]?.metadata?.name;
  });
  const pod = await waitForPhase(cluster.core, cluster.namespace, name, 'Running');
  expect(pod.spec?.nodeName).toBe(nodeName);
  expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
  expect(pod.spec?.containers[0]?.resources?.limits).toEqual({ [`akri.sh/${instance}`]: '1' });
  return name;
}

async function logsOf(pod: string): Promise<string> {
  return until(`broker ${pod} to print its environment`, async () => {
    const res = await cluster.kubectl(['logs', '-n', cluster.namespace, pod]);
    if (res.code !== 0) throw new Error(res.stderr);
    return res.stdout.includes('--- end ---') ? res.stdout : undefined;
  });
}

/** [path, type] of linux.devices in the OCI runtime spec containerd wrote for the broker container. */
async function runtimeDevices(pod: string): Promise<[string, string][]> {
  const status = await cluster.core.readNamespacedPod({ namespace: cluster.namespace, name: pod });
  const id = status.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '') ?? '';
  const bundle = join(containerdState, 'io.containerd.runtime.v2.task', 'k8s.io', id, 'config.json');
  const spec = JSON.parse(readFileSync(bundle, 'utf8')) as { linux?: { devices?: { path: string; type: string }[] } };
  return (spec.linux?.devices ?? []).map((d) => [d.path, d.type]);
}

describe('our agent and controller on a real kubelet', () => {
  it('debugEcho: the Node shows the Instance and Configuration resources, the broker runs with the description plain and suffixed', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'echo', {
      discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["foo0"]' },
      capacity: 2,
      brokerSpec: { brokerPodSpec: brokerPodSpec() },
    });
    const instance = (await oneInstance('echo')).metadata.name as string;
    const hash = instance.slice('echo-'.length).toUpperCase();
    await waitForNodeResource(cluster.core, nodeName, `akri.sh/${instance}`, { capacity: '2', allocatable: '2' });
    // As in Akri, the Configuration resource offers one free virtual device per Instance, whatever its capacity.
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/echo', { capacity: '1', allocatable: '1' });

    const pod = await runningBroker(instance);
    const logs = await logsOf(pod);
    expect(logs).toContain('DEBUG_ECHO_DESCRIPTION=foo0');
    expect(logs).toContain(`DEBUG_ECHO_DESCRIPTION_${hash}=foo0`);
    expect(await runtimeDevices(pod)).not.toContainEqual(['/dev/null', 'c']);
  });

  it('udev KERNEL=="null": the broker runs with UDEV_DEVNODE=/dev/null', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'null', {
      discoveryHandler: { name: 'udev', discoveryDetails: JSON.stringify({ udevRules: ['KERNEL=="null"'] }) },
      brokerSpec: { brokerPodSpec: brokerPodSpec() },
    });
    const instance = await oneInstance('null');
    const name = instance.metadata.name as string;
    expect(instance.spec.brokerProperties).toMatchObject({ UDEV_DEVNODE: '/dev/null' });
    await waitForNodeResource(cluster.core, nodeName, `akri.sh/${name}`, { capacity: '1', allocatable: '1' });

    const pod = await runningBroker(name);
    const logs = await logsOf(pod);
    expect(logs).toContain('UDEV_DEVNODE=/dev/null');
    expect(logs).toContain('UDEV_DEVPATH=/devices/virtual/mem/null');

    // The device spec reached the container: /dev/null is in the OCI spec's linux.devices (the
    // debugEcho broker above, which got no device spec, has it not: runc's defaults are not listed).
    expect(await runtimeDevices(pod)).toContainEqual(['/dev/null', 'c']);
  });

  it('a pod beyond capacity stays Pending, and takes the slot once the agent frees it through the real pod-resources API', async () => {
    const ns = cluster.namespace;
    // Capacity 1: the Instance resource and the Configuration resource share the one slot.
    await applyConfiguration(cluster.kc, ns, 'solo', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["solo0"]' }, capacity: 1 });
    const instance = (await oneInstance('solo')).metadata.name as string;
    const slot = `${instance}-0`;
    await waitForNodeResource(cluster.core, nodeName, `akri.sh/${instance}`, { capacity: '1', allocatable: '1' });
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/solo', { capacity: '1', allocatable: '1' });

    await createPod(cluster.core, ns, brokerPod('holder', image, nodeName, { resources: { [`akri.sh/${instance}`]: '1' } }));
    await waitForPhase(cluster.core, ns, 'holder', 'Running');
    const usage = async (): Promise<string | undefined> => (await listInstances(cluster.kc, ns, 'solo'))[0]?.spec.deviceUsage?.[slot];
    expect(await usage()).toBe(nodeName);
    // The slot is taken, so the Configuration resource has nothing left to offer.
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/solo', { capacity: '0', allocatable: '0' });

    await createPod(cluster.core, ns, brokerPod('waiter', image, nodeName, { resources: { 'akri.sh/solo': '1' } }));
    const why = await until('the scheduler to refuse the waiting pod', async () => {
      const failures = await schedulingFailures(cluster.core, ns, 'waiter');
      return failures.length ? failures.join('\n') : undefined;
    });
    expect(why).toContain('Insufficient akri.sh/solo');
    await holdsFor(async () => expect((await readPod(cluster.core, ns, 'waiter')).status?.phase).toBe('Pending'), 3000, 1000);
    expect(await usage()).toBe(nodeName);

    // Deleting the holder does not free the slot by itself: the agent frees it once the kubelet's
    // pod-resources List stops showing it (grace 2 s), and only then is it offered again.
    await cluster.core.deleteNamespacedPod({ namespace: ns, name: 'holder' });
    await waitForPodGone(cluster.core, ns, 'holder');
    await waitForPhase(cluster.core, ns, 'waiter', 'Running');
    const holder = await usage();
    expect(holder).toMatch(new RegExp(`^C:.+:${nodeName}$`));
    const logs = await logsOf('waiter');
    expect(logs).toContain('DEBUG_ECHO_DESCRIPTION=solo0');

    await cluster.core.deleteNamespacedPod({ namespace: ns, name: 'waiter' });
    await waitForPodGone(cluster.core, ns, 'waiter');
    // A free slot is absent from deviceUsage (or "", as Akri writes it).
    await until('the slot to be freed once no pod uses it', async () => (((await usage()) ?? '') === '' ? true : undefined), 30_000);
  });

  it('a device that goes away: its resources drop to 0, and after the kubelet\'s grace the agent removes them from the Node', async () => {
    const ns = cluster.namespace;
    await applyConfiguration(cluster.kc, ns, 'gone', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["gone0"]' }, capacity: 1 });
    const instance = (await oneInstance('gone')).metadata.name as string;
    const resources = [`akri.sh/${instance}`, 'akri.sh/gone'];
    for (const r of resources) await waitForNodeResource(cluster.core, nodeName, r, { capacity: '1', allocatable: '1' });

    availability.setOffline('gone0');
    await until('the Instance to go', async () => ((await listInstances(cluster.kc, ns, 'gone')).length === 0 ? true : undefined), 30_000);
    for (const r of resources) await waitForNodeResource(cluster.core, nodeName, r, { capacity: '0', allocatable: '0' });
    const droppedAt = Date.now();

    // The kubelet alone would keep both entries at 0 forever.
    const absent = async (): Promise<boolean> => {
      const node = await cluster.core.readNode({ name: nodeName });
      return resources.every((r) => node.status?.capacity?.[r] === undefined && node.status?.allocatable?.[r] === undefined);
    };
    await until('the stale entries to be removed from the Node', async () => ((await absent()) ? true : undefined), 420_000, 2000);
    const removedAfter = (Date.now() - droppedAt) / 1000;
    expect(removedAfter).toBeGreaterThan(300);
    process.stderr.write(`[node] stale akri.sh entries removed ${removedAfter.toFixed(0)} s after they dropped to 0\n`);
    // They stay removed through the kubelet's next status syncs (every 10 s), and the resources
    // still served are untouched.
    await holdsFor(async () => expect(await absent()).toBe(true), 21_000, 2000);
    const kept = (await listInstances(cluster.kc, ns, 'null'))[0]?.metadata.name as string;
    expect(await nodeResource(cluster.core, nodeName, `akri.sh/${kept}`)).toEqual({ capacity: '1', allocatable: '1' });
    const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.kind=Node,involvedObject.name=${nodeName},reason=StaleResourcesRemoved` });
    expect(events.items.map((e) => e.message).join('\n')).toContain(`akri.sh/${instance}`);
  }, 600_000);
});
