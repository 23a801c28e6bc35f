// The chart for real: `helm install` of ./helm onto the real node, with the image built from
// images/akri-ts.Dockerfile, and every component a pod the kubelet runs: the agent DaemonSet (udev
// embedded), the controller Deployment and the debugEcho handler DaemonSet, each with the chart's
// own securityContext, read-only root filesystem and ServiceAccount. The chart's sample udev
// (KERNEL=="null") and debugEcho Configurations give Instances whose broker pods run with the
// broker environment; the broker Services answer through kube-proxy. `helm upgrade` of an agent
// setting rolls the agent while brokers keep running and keep their slots, and no component
// writes the same state twice (counted from the API server's audit log). `helm uninstall` runs the
// pre-delete hook as a Job pod and leaves nothing: no Configuration, Instance, broker, ClusterRole
// or socket file on the host. Any pod that does not come up fails the test with its events and logs.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Instance } from '../../lib/crd/instance.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { listInstances } from '../integration/support/agent-nodes.ts';
import { useTestCluster } from '../integration/support/cluster.ts';
import { kubeletLayout } from '../real-node/kubelet-layout.ts';
import { auditOffset, repeatedWrites, writeCounts, writesSince } from './support/api-writes.ts';
import { until } from './support/broker-pods.ts';
import { ChartRelease, httpGet, imageValues, socketsUnder } from './support/chart-release.ts';
import { podReport, waitForReadyPods } from './support/pod-report.ts';

const cluster = useTestCluster('chart');
const nodeName = inject('nodeName');
const distro = inject('kubernetesDistro');
const akriImage = inject('akriImage');
const brokerImage = inject('brokerImage');
const auditLog = inject('auditLog');
const layout = kubeletLayout(distro);
const RELEASE = 'akri-ts';
// The broker image serves its environment on 8083 (test/real-node/node-images.ts).
const service = { portName: 'http', type: 'ClusterIP', port: 80, targetPort: 8083, protocol: 'TCP' };
const brokerPod = { image: imageValues(brokerImage) };

let release: ChartRelease;

function values(agentGraceSeconds: number): Record<string, unknown> {
  return {
    kubernetesDistro: distro,
    image: imageValues(akriImage),
    agent: { embeddedHandlers: ['udev'], instanceGracePeriodSeconds: agentGraceSeconds },
    controller: { leaseDurationSeconds: 5 },
    debugEcho: {
      discovery: { enabled: true },
      configuration: {
        enabled: true,
        capacity: 2,
        discoveryDetails: { descriptions: ['foo0'] },
        brokerPod,
        instanceService: service,
        configurationService: service,
      },
    },
    udev: {
      configuration: { enabled: true, discoveryDetails: { udevRules: ['KERNEL=="null"'] }, brokerPod },
    },
    cleanupHook: { timeoutSeconds: 30 },
  };
}

const ns = (): string => cluster.namespace;
const selectors = {
  agent: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=agent`,
  controller: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=controller`,
  debugEcho: `app.kubernetes.io/instance=${RELEASE},akri.sh/discovery-handler=debugEcho`,
  hook: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=cleanup`,
};

/** Runs a command in a pod's container (the first one unless named: init containers don't count). */
async function exec(pod: string, command: string[], container?: string): Promise<{ code: number; out: string }> {
  const res = await cluster.kubectl(['exec', '-n', ns(), pod, ...(container ? ['-c', container] : []), '--', ...command]);
  return { code: res.code, out: `${res.stdout}${res.stderr}`.trim() };
}

async function oneInstance(configuration: string): Promise<Instance> {
  return until(`one Instance of ${configuration}`, async () => {
    const list = await listInstances(cluster.kc, ns(), configuration);
    return list.length === 1 ? list[0] : undefined;
  }, 120_000);
}

async function logsOf(pod: string): Promise<string> {
  try {
    return await until(`broker ${pod} to print its environment`, async () => {
      const res = await cluster.kubectl(['logs', '-n', ns(), pod]);
      return res.code === 0 && res.stdout.includes('--- end ---') ? res.stdout : undefined;
    }, 60_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await podReport(cluster, ns(), pod)}`);
  }
}

const podName = (p: V1Pod): string => p.metadata?.name ?? '';
const uid = (p: V1Pod): string => p.metadata?.uid ?? '';

beforeAll(async () => {
  release = new ChartRelease(RELEASE, cluster.namespace, cluster.kubeconfig);
  await release.install(values(60));
});

afterAll(async () => {
  await release?.cleanUp();
});

describe(`the chart installed by helm on the real kubelet (${distro} layout)`, () => {
  const brokers: Record<string, string> = {};
  const instances: Record<string, Instance> = {};

  it('runs the agent, the controller and the debugEcho handler as pods with the chart\'s security settings', async () => {
    const [agent] = await waitForReadyPods(cluster, ns(), selectors.agent);
    const [controller] = await waitForReadyPods(cluster, ns(), selectors.controller);
    const [handler] = await waitForReadyPods(cluster, ns(), selectors.debugEcho);
    for (const pod of [agent, controller, handler]) {
      expect(pod?.spec?.nodeName).toBe(nodeName);
      expect(pod?.spec?.containers[0]?.image).toBe(akriImage);
      expect(pod?.spec?.containers[0]?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    expect(agent?.spec?.serviceAccountName).toBe(`${RELEASE}-agent`);
    expect(controller?.spec?.serviceAccountName).toBe(`${RELEASE}-controller`);
    expect(controller?.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(handler?.spec?.automountServiceAccountToken).toBe(false);
    // Every pod runs under the runtime's default seccomp profile; debugEcho needs no root.
    for (const pod of [agent, controller, handler]) expect(pod?.spec?.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(handler?.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });

    // Read back from the running containers: who they run as, and that / cannot be written.
    const expectedUid = new Map([[agent, '0'], [controller, '65532'], [handler, '65532']]);
    for (const [pod, want] of expectedUid) {
      const name = podName(pod as V1Pod);
      const container = pod?.spec?.containers[0]?.name;
      expect((await exec(name, ['id', '-u'], container)).out).toBe(want);
      const write = await exec(name, ['touch', '/written-by-the-test'], container);
      expect(write.code, `${name} could write to its root filesystem`).not.toBe(0);
      expect(write.out).toContain('Read-only file system');
    }
  });

  it('udev KERNEL=="null" and debugEcho give Instances whose brokers run with the broker environment', async () => {
    for (const configuration of ['akri-udev', 'akri-debug-echo']) {
      const instance = await oneInstance(configuration);
      const name = instance.metadata.name as string;
      instances[configuration] = instance;
      const [pod] = await waitForReadyPods(cluster, ns(), `akri.sh/instance=${name}`);
      brokers[configuration] = podName(pod as V1Pod);
      expect(pod?.spec?.containers[0]?.resources?.limits?.[`akri.sh/${name}`]).toBe('1');
    }
    const hashOf = (c: string): string => (instances[c]?.metadata.name as string).slice(c.length + 1).toUpperCase();

    const udevLogs = await logsOf(brokers['akri-udev'] as string);
    expect(udevLogs).toContain('UDEV_DEVNODE=/dev/null');
    expect(udevLogs).toContain(`UDEV_DEVNODE_${hashOf('akri-udev')}=/dev/null`);
    const echoLogs = await logsOf(brokers['akri-debug-echo'] as string);
    expect(echoLogs).toContain('DEBUG_ECHO_DESCRIPTION=foo0');
    expect(echoLogs).toContain(`DEBUG_ECHO_DESCRIPTION_${hashOf('akri-debug-echo')}=foo0`);

    // The udev device spec reached the container: /dev/null is the host's character device 1:3.
    expect((await exec(brokers['akri-udev'] as string, ['stat', '-c', '%F %t:%T', '/dev/null'])).out).toBe('character special file 1:3');
    // Each node's slot is recorded on its Instance.
    for (const c of ['akri-udev', 'akri-debug-echo']) {
      const usage = (await listInstances(cluster.kc, ns(), c))[0]?.spec.deviceUsage ?? {};
      expect(Object.values(usage).filter((v) => v !== '')).toEqual([nodeName]);
    }
  });

  it('the broker Services reach their brokers through kube-proxy', async () => {
    const instance = instances['akri-debug-echo']?.metadata.name;
    expect(instance, 'the debugEcho Instance of the previous test is needed here').toBeDefined();
    for (const svc of [`${instance}-svc`, 'akri-debug-echo-svc']) {
      const body = await until(`Service ${svc} to answer`, async () => {
        const s = await cluster.core.readNamespacedService({ namespace: ns(), name: svc });
        const ip = s.spec?.clusterIP;
        if (!ip) return undefined;
        const res = await httpGet(ip, 80, '/env');
        return res.status === 200 ? res.body : undefined;
      }, 90_000);
      expect(body).toContain('DEBUG_ECHO_DESCRIPTION=foo0');
    }
  });

  it('helm upgrade of an agent setting rolls the agent; brokers keep running and keep their slots; nothing is written twice', async () => {
    expect(Object.keys(brokers), 'the brokers of the previous test are needed here').toHaveLength(2);
    const [oldAgent] = await waitForReadyPods(cluster, ns(), selectors.agent);
    const before = await Promise.all(Object.values(brokers).map((b) => cluster.core.readNamespacedPod({ namespace: ns(), name: b })));
    const usageBefore = Object.fromEntries(
      await Promise.all(Object.keys(instances).map(async (c) => [c, (await listInstances(cluster.kc, ns(), c))[0]?.spec.deviceUsage] as const)),
    );
    const offset = auditOffset(auditLog);

    await release.upgrade(values(90));
    const newAgent = await until('the agent pod to be replaced', async () => {
      const pods = await waitForReadyPods(cluster, ns(), selectors.agent);
      return pods[0] && uid(pods[0]) !== uid(oldAgent as V1Pod) ? pods[0] : undefined;
    }, 180_000);
    expect(newAgent.spec?.containers[0]?.args).toContain('90');
    // The new agent serves the Instances again: the kubelet counts their devices healthy.
    for (const instance of Object.values(instances)) {
      const resource = `akri.sh/${instance.metadata.name as string}`;
      await until(`${resource} allocatable again`, async () => {
        const node = await cluster.core.readNode({ name: nodeName });
        const a = node.status?.allocatable?.[resource];
        return a !== undefined && a !== '0' && a === node.status?.capacity?.[resource] ? true : undefined;
      }, 120_000);
    }
    // A quiet spell: whatever the new agent would repeat, it repeats within it.
    await new Promise((r) => setTimeout(r, 20_000));

    const after = await Promise.all(Object.values(brokers).map((b) => cluster.core.readNamespacedPod({ namespace: ns(), name: b })));
    for (const [i, pod] of after.entries()) {
      expect(uid(pod)).toBe(uid(before[i] as V1Pod));
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    }
    for (const [c, usage] of Object.entries(usageBefore)) {
      expect((await listInstances(cluster.kc, ns(), c))[0]?.spec.deviceUsage).toEqual(usage);
    }

    const writes = writesSince(auditLog, offset).filter((w) => w.user.startsWith(`system:serviceaccount:${ns()}:`));
    process.stderr.write(`[chart] writes by the release's components during the upgrade: ${JSON.stringify(writeCounts(writes))}\n`);
    const repeated = repeatedWrites(writes);
    // On failure, each repeated object's whole history in the window says which write came twice.
    const history = [...new Set(repeated.map((w) => w.object))].map((o) =>
      [`${o}:`, ...writes.filter((w) => w.object === o).map((w) => `  ${w.at} ${w.user} ${w.verb} ${w.code} ${w.body}`)].join('\n'),
    );
    expect(repeated.length, `writes that repeat the state just written:\n${history.join('\n')}`).toBe(0);
    // The controller left the brokers alone.
    expect(writes.filter((w) => w.object.startsWith('pods ') && w.user.endsWith(`:${RELEASE}-controller`))).toEqual([]);
  });

  it('helm uninstall runs the pre-delete hook as a Job pod and leaves nothing behind', async () => {
    const offset = auditOffset(auditLog);
    const seen = new Map<string, V1Pod>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const pods = await cluster.core.listNamespacedPod({ namespace: ns(), labelSelector: selectors.hook }).catch(() => undefined);
        for (const p of pods?.items ?? []) seen.set(podName(p), p);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    try {
      await release.uninstall();
    } catch (err) {
      watching = false;
      await watcher;
      const reports = await Promise.all([...seen.keys()].map((p) => podReport(cluster, ns(), p)));
      throw new Error(`${(err as Error).message}\n${reports.join('\n') || '(no hook pod was seen)'}`);
    }
    watching = false;
    await watcher;

    const hookPods = [...seen.values()];
    expect(hookPods.length, 'no pre-delete hook pod was seen').toBeGreaterThan(0);
    const hookPod = hookPods[0] as V1Pod;
    expect(hookPod.spec?.nodeName).toBe(nodeName);
    const events = await cluster.core.listNamespacedEvent({ namespace: ns(), fieldSelector: `involvedObject.name=${podName(hookPod)}` });
    expect(events.items.map((e) => e.reason)).toContain('Started');
    const hookWrites = writesSince(auditLog, offset).filter((w) => w.user === `system:serviceaccount:${ns()}:${RELEASE}-cleanup`);
    expect(hookWrites.filter((w) => w.verb === 'delete' && w.object.startsWith('configurations ')).map((w) => w.object).sort()).toEqual(
      [`configurations ${ns()}/akri-debug-echo`, `configurations ${ns()}/akri-udev`],
    );

    const akri = (plural: string) => kubeRequest<{ items: unknown[] }>(cluster.kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns()}/${plural}` });
    expect((await akri('configurations')).items).toEqual([]);
    expect((await akri('instances')).items).toEqual([]);
    // helm waits for its own objects; their pods (and the brokers, owned by Instances) follow.
    await until('every pod of the release and every broker to be gone', async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: ns() });
      return pods.items.length === 0 ? true : undefined;
    }, 120_000);
    const clusterRoles = await kubeRequest<{ items: unknown[] }>(cluster.kc, {
      method: 'GET',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      query: { labelSelector: `app.kubernetes.io/instance=${RELEASE}` },
    });
    expect(clusterRoles.items).toEqual([]);
    // No socket of the agent, the handlers or the device plugins is left on the host.
    expect(socketsUnder('/var/lib/akri')).toEqual([]);
    // (Plugin sockets are named after their resources; only this release's Configurations count.)
    expect(socketsUnder(layout.devicePluginDir).filter((s) => /akri\.sh-akri-(udev|debug-echo)/.test(s))).toEqual([]);
  });
});
