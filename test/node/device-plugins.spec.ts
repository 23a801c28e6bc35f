// Our device plugins (agent/device-plugin's DevicePluginSet) in front of the real kubelet: the
// resources reach the Node's capacity, a broker pod gets the Allocate environment, a pod beyond
// capacity waits for a slot that is freed through the kubelet's real pod-resources API, plugins
// survive a kubelet restart without touching running pods, and a removed plugin drops to 0.
// (udev's /dev/null device spec needs the agent's Instance wiring; it is not tested here yet.)
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configurationPluginDevices } from '../../agent/device-plugin/configuration-plugin-devices.ts';
import { DevicePluginSet } from '../../agent/device-plugin/device-plugin-set.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { devicesInUse, listPodResources } from '../real-node/pod-resources-client.ts';
import { PodResourcesSlotLedger } from '../real-node/pod-resources-slot-ledger.ts';
import {
  brokerPod,
  createPod,
  nodeResource,
  readPod,
  schedulingFailures,
  until,
  waitForNodeResource,
  waitForPhase,
  waitForPodGone,
} from './support/broker-pods.ts';
import { requestKubeletRestart } from './support/node-control.ts';
import { holdsFor } from '../support/wait.ts';

const cluster = useTestCluster('node-dp');
const nodeName = inject('nodeName');
const image = inject('brokerImage');
const kubeletRoot = inject('kubeletRootDir');
const pluginDir = inject('devicePluginDir');
const podResourcesSocket = join(kubeletRoot, 'pod-resources', 'kubelet.sock');

const sink = new MemorySink();
let plugins: DevicePluginSet;
const ledgers: PodResourcesSlotLedger[] = [];

beforeAll(() => {
  plugins = new DevicePluginSet({ pluginDir, logger: new Logger({ component: 'node-test', node: nodeName }, 'debug', sink), pollMs: 200 });
  plugins.start();
});

afterAll(async () => {
  for (const ledger of ledgers) ledger.stop();
  await plugins.stop();
});

/** An Instance's plugin, served by our DevicePluginSet, with a ledger freed through pod-resources. */
async function addInstance(instance: string, capacity: number, properties: Record<string, string>): Promise<PodResourcesSlotLedger> {
  const ledger = new PodResourcesSlotLedger({ instance, capacity, node: nodeName, properties, podResourcesSocket, pollMs: 300 });
  const plugin = await plugins.add({ resourceName: ledger.resourceName, backend: ledger });
  ledger.onChange = () => plugin.update();
  ledger.start();
  ledgers.push(ledger);
  return ledger;
}

async function logsOf(pod: string): Promise<string> {
  return until(`broker ${pod} to print its environment`, async () => {
    const res = await cluster.kubectl(['logs', '-n', cluster.namespace, pod]);
    if (res.code !== 0) throw new Error(res.stderr);
    return res.stdout.includes('--- end ---') ? res.stdout : undefined;
  });
}

async function slotsHeldBy(resource: string): Promise<Map<string, string[]>> {
  return devicesInUse(await listPodResources(podResourcesSocket), resource);
}

describe('our device plugins on a real kubelet', () => {
  it('an Instance and a Configuration resource appear in the Node capacity and allocatable', async () => {
    await addInstance('cams-a1b2c3', 2, { CAMERA_URL: 'rtsp://10.0.0.9/stream' });
    const configuration = configurationPluginDevices('cams', [{ name: 'cams-a1b2c3', capacity: 2, deviceUsage: {} }], nodeName);
    await plugins.add({
      resourceName: 'akri.sh/cams',
      backend: {
        devices: () => configuration,
        preferred: (available, must, size) => [...must, ...available.filter((id) => !must.includes(id))].slice(0, size),
        allocate: () => Promise.reject(new Error('not used in this test')),
      },
    });
    expect(await waitForNodeResource(cluster.core, nodeName, 'akri.sh/cams-a1b2c3', { capacity: '2', allocatable: '2' })).toBeTruthy();
    // As in Akri, the Configuration resource offers one free virtual device per Instance.
    expect(await waitForNodeResource(cluster.core, nodeName, 'akri.sh/cams', { capacity: '1', allocatable: '1' })).toBeTruthy();
  });

  it('a broker asking for the Instance gets its Allocate environment, plain and hash-suffixed', async () => {
    const ns = cluster.namespace;
    const ledger = await addInstance('sensor-0f1e2d', 1, { TEMPERATURE_TOPIC: 'plant/line-1' });
    await waitForNodeResource(cluster.core, nodeName, ledger.resourceName, { capacity: '1', allocatable: '1' });
    await createPod(cluster.core, ns, brokerPod('sensor-broker', image, nodeName, { resources: { [ledger.resourceName]: '1' } }));
    await waitForPhase(cluster.core, ns, 'sensor-broker', 'Running');

    const logs = await logsOf('sensor-broker');
    expect(logs).toContain('TEMPERATURE_TOPIC=plant/line-1');
    expect(logs).toContain('TEMPERATURE_TOPIC_0F1E2D=plant/line-1');
    expect(ledger.usage).toEqual({ 'sensor-0f1e2d-0': nodeName });
    expect(await slotsHeldBy(ledger.resourceName)).toEqual(new Map([[`${ns}/sensor-broker`, ['sensor-0f1e2d-0']]]));
  });

  it('a pod beyond capacity stays Pending, and takes the slot once pod-resources shows it freed', async () => {
    const ns = cluster.namespace;
    const ledger = await addInstance('door-c0ffee', 1, { DOOR: 'front' });
    await waitForNodeResource(cluster.core, nodeName, ledger.resourceName, { capacity: '1', allocatable: '1' });
    await createPod(cluster.core, ns, brokerPod('first', image, nodeName, { resources: { [ledger.resourceName]: '1' } }));
    await waitForPhase(cluster.core, ns, 'first', 'Running');
    // The claimed slot is reported Unhealthy, so the kubelet offers nothing more.
    await waitForNodeResource(cluster.core, nodeName, ledger.resourceName, { capacity: '1', allocatable: '0' });

    await createPod(cluster.core, ns, brokerPod('second', image, nodeName, { resources: { [ledger.resourceName]: '1' } }));
    const why = await until('the scheduler to refuse the second pod', async () => {
      const failures = await schedulingFailures(cluster.core, ns, 'second');
      return failures.length ? failures.join('\n') : undefined;
    });
    expect(why).toContain(`Insufficient ${ledger.resourceName}`);
    await holdsFor(async () => expect((await readPod(cluster.core, ns, 'second')).status?.phase).toBe('Pending'), 5000, 1000);
    expect(ledger.events.map((e) => e.kind)).toEqual(['claimed']);

    await cluster.core.deleteNamespacedPod({ namespace: ns, name: 'first' });
    await waitForPodGone(cluster.core, ns, 'first');
    await waitForPhase(cluster.core, ns, 'second', 'Running');
    expect(ledger.events.map((e) => `${e.kind} ${e.slot}`)).toEqual(['claimed door-c0ffee-0', 'freed door-c0ffee-0', 'claimed door-c0ffee-0']);
    expect(await slotsHeldBy(ledger.resourceName)).toEqual(new Map([[`${ns}/second`, ['door-c0ffee-0']]]));
    expect(await logsOf('second')).toContain('DOOR_C0FFEE=front');
  });

  it('after a kubelet restart every plugin registers again, capacity comes back, and running pods are untouched', async () => {
    const ns = cluster.namespace;
    const ledger = await addInstance('lamp-d00d00', 2, { LAMP: 'hall' });
    await waitForNodeResource(cluster.core, nodeName, ledger.resourceName, { capacity: '2', allocatable: '2' });
    await createPod(cluster.core, ns, brokerPod('steady', image, nodeName, { resources: { [ledger.resourceName]: '1' } }));
    const before = await waitForPhase(cluster.core, ns, 'steady', 'Running');
    await waitForNodeResource(cluster.core, nodeName, ledger.resourceName, { capacity: '2', allocatable: '1' });
    const registrationsBefore = sink.lines.filter((l) => l.msg === 'device plugin registered').length;
    const restartedAt = Date.now();

    const { pid } = await requestKubeletRestart(inject('nodeControlUrl'));
    expect(pid).toBeGreaterThan(0);

    // A new kubelet.sock (its inode number may well be reused, so look at when it was made).
    await until('the new kubelet to create its kubelet.sock', async () =>
      statSync(join(pluginDir, 'kubelet.sock')).ctimeMs >= restartedAt - 1000 ? true : undefined,
    );
    const reregistered = await until('every plugin to register again', async () => {
      const again = sink.lines.slice(registrationsBefore).filter((l) => l.msg === 'device plugin registered').map((l) => String(l.resource));
      return plugins.resources.every((r) => again.includes(r)) ? again : undefined;
    });
    expect(reregistered.sort()).toEqual([...plugins.resources].sort());
    await waitForNodeResource(cluster.core, nodeName, ledger.resourceName, { capacity: '2', allocatable: '1' });

    const after = await waitForPhase(cluster.core, ns, 'steady', 'Running');
    const [was, is] = [before.status?.containerStatuses?.[0], after.status?.containerStatuses?.[0]];
    expect(is?.containerID).toBe(was?.containerID);
    expect(is?.restartCount).toBe(0);
    expect(is?.state?.running?.startedAt).toEqual(was?.state?.running?.startedAt);
    // The kubelet restores the allocation from its checkpoint; our ledger never lets go of it.
    const held = await until('pod-resources to report the pod\'s slot again', async () => {
      const now = await slotsHeldBy(ledger.resourceName);
      return now.size ? now : undefined;
    });
    expect(held).toEqual(new Map([[`${ns}/steady`, ['lamp-d00d00-0']]]));
    // Right after the restart pod-resources answers with no devices for a moment; the ledger's
    // grace period must outlast that, or it would free a slot a running pod still holds.
    expect(ledger.events.map((e) => `${e.kind} ${e.slot}`)).toEqual(['claimed lamp-d00d00-0']);
  });

  it('a removed plugin drops its resource to 0 on the Node', async () => {
    expect((await nodeResource(cluster.core, nodeName, 'akri.sh/cams-a1b2c3')).capacity).toBe('2');
    await plugins.remove('akri.sh/cams-a1b2c3');
    await waitForNodeResource(cluster.core, nodeName, 'akri.sh/cams-a1b2c3', { capacity: '0', allocatable: '0' });
  });
});
