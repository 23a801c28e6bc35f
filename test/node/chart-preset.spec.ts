// The chart's kubernetesDistro presets on a kubelet laid out as that distribution lays it out
// (AKRI_TS_NODE_DISTRO, cli/start/node/kubelet-layout.ts). On the default k8s layout this installs
// with the k3s preset, whose kubelet directory is the same /var/lib/kubelet; `npm run test:node`
// then runs this file again on a MicroK8s layout (kubelet rooted in /var/snap/microk8s/..., with
// /var/lib/kubelet a symlink to it) and installs with the microk8s preset. Either way the agent pod
// must find the kubelet's device-plugin and pod-resources sockets where the preset points its
// host paths: the device plugins register, a broker is admitted through them, and a slot is freed
// once the kubelet's pod-resources API no longer lists it (the only way the agent frees a slot).
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listInstances } from '../integration/support/agent-nodes.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { kubeletLayout } from '../../cli/start/node/kubelet-layout.ts';
import { brokerPod, createPod, until, waitForNodeResource, waitForPodGone } from './support/broker-pods.ts';
import { ChartRelease, imageValues, socketsUnder } from './support/chart-release.ts';
import { waitForReadyPods } from './support/pod-report.ts';

const cluster = useTestCluster('preset');
const nodeName = inject('nodeName');
const distro = inject('kubernetesDistro');
const preset = distro === 'k8s' ? 'k3s' : distro;
const layout = kubeletLayout(distro);
const RELEASE = 'akri-preset';

let release: ChartRelease;
// Plugin sockets are named after their resource; an agent of another test on this machine may
// register in the same kubelet directory, so only this release's Configuration counts.
const ours = (sockets: string[]): string[] => sockets.filter((s) => s.includes('akri.sh-akri-debug-echo'));

beforeAll(async () => {
  release = new ChartRelease(RELEASE, cluster.namespace, cluster.kubeconfig);
  await release.install({
    kubernetesDistro: preset,
    image: imageValues(inject('akriImage')),
    agent: { embeddedHandlers: ['debugEcho'], instanceGracePeriodSeconds: 5 },
    debugEcho: {
      configuration: { enabled: true, capacity: 2, discoveryDetails: { descriptions: ['preset0'] }, brokerPod: { image: imageValues(inject('brokerImage')) } },
    },
  });
});

afterAll(async () => {
  await release?.cleanUp();
});

describe(`the ${preset} preset on a kubelet rooted at ${layout.rootDir}`, () => {
  it('points the agent at the kubelet\'s own directory: its device plugins register, a broker is admitted, a slot is freed through pod-resources', async () => {
    const [agent] = await waitForReadyPods(cluster, cluster.namespace, `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=agent`);
    const hostPaths = (agent as V1Pod).spec?.volumes?.map((v) => v.hostPath?.path).filter(Boolean);
    expect(hostPaths).toEqual(expect.arrayContaining([`${layout.rootDir}/device-plugins`, `${layout.rootDir}/pod-resources`]));

    const instance = await until('the debugEcho Instance', async () => (await listInstances(cluster.kc, cluster.namespace, 'akri-debug-echo'))[0], 120_000);
    const name = instance.metadata.name as string;
    await waitForNodeResource(cluster.core, nodeName, `akri.sh/${name}`, { capacity: '2', allocatable: '2' }, 120_000);
    // The plugin's socket is in the preset's directory, beside the kubelet's own.
    expect(ours(socketsUnder(layout.devicePluginDir))).not.toEqual([]);

    const [broker] = await waitForReadyPods(cluster, cluster.namespace, `akri.sh/instance=${name}`);
    const held = async (): Promise<string[]> =>
      Object.values((await listInstances(cluster.kc, cluster.namespace, 'akri-debug-echo'))[0]?.spec.deviceUsage ?? {}).filter((v) => v !== '');
    expect(await held()).toEqual([nodeName]);

    // A second pod takes the other slot; once it is gone, only the kubelet's pod-resources List
    // (read through the preset's path) tells the agent the slot is free again.
    await createPod(cluster.core, cluster.namespace, brokerPod('holder', inject('brokerImage'), nodeName, { resources: { [`akri.sh/${name}`]: '1' } }));
    await waitForReadyPods(cluster, cluster.namespace, 'app=akri-ts-broker');
    expect(await held()).toEqual([nodeName, nodeName]);
    await cluster.core.deleteNamespacedPod({ namespace: cluster.namespace, name: 'holder' });
    await waitForPodGone(cluster.core, cluster.namespace, 'holder');
    await until('the holder\'s slot to be freed', async () => ((await held()).length === 1 ? true : undefined), 120_000);

    await release.uninstall();
    await until('the broker to be gone', async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `akri.sh/instance=${name}` });
      return pods.items.length === 0 ? true : undefined;
    }, 120_000);
    expect(broker?.spec?.nodeName).toBe(nodeName);
    expect(await listInstances(cluster.kc, cluster.namespace)).toEqual([]);
    expect(ours(socketsUnder(layout.devicePluginDir))).toEqual([]);
  });
});
