// Pods on the real node as the specs use them: the busybox broker (prints its environment, stays
// up), asking for akri.sh resources through limits as brokers do, plus waits on pod phase,
// scheduling events and the Node's capacity. Everything goes through the API server.
import { until as waitUntil } from '../../support/wait.ts';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';

export interface BrokerPodOptions {
  resources?: Record<string, string>;
  env?: Record<string, string>;
}

export function brokerPod(name: string, image: string, nodeName: string, o: BrokerPodOptions = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'akri-ts-broker' } },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': nodeName },
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // No cluster DNS in this test cluster: use the node's resolv.conf without a warning.
      dnsPolicy: 'Default',
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: 'broker',
          image,
          imagePullPolicy: 'Never',
          env: Object.entries(o.env ?? {}).map(([name, value]) => ({ name, value })),
          resources: o.resources ? { limits: o.resources } : {},
        },
      ],
    },
  };
}

/** test/support/wait.ts's until, with the real node's patience (pulls, cgroups, a busy machine). */
export function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
  return waitUntil(what, probe, timeoutMs, everyMs);
}

/** Creates a pod, retrying while the namespace's default ServiceAccount does not exist yet. */
export async function createPod(core: CoreV1Api, namespace: string, pod: V1Pod): Promise<V1Pod> {
  return until(`pod ${pod.metadata?.name} to be accepted`, async () => {
    try {
      return await core.createNamespacedPod({ namespace, body: pod });
    } catch (err) {
      if (String((err as Error).message).includes('serviceaccount')) return undefined;
      throw Object.assign(new Error(`creating pod ${pod.metadata?.name}: ${(err as Error).message}`), { fatal: true });
    }
  }, 30_000);
}

export function readPod(core: CoreV1Api, namespace: string, name: string): Promise<V1Pod> {
  return core.readNamespacedPod({ namespace, name });
}

export function waitForPhase(core: CoreV1Api, namespace: string, name: string, phase: string, timeoutMs = 120_000): Promise<V1Pod> {
  return until(`pod ${namespace}/${name} to be ${phase}`, async () => {
    const pod = await readPod(core, namespace, name);
    if (pod.status?.phase === 'Failed' && phase !== 'Failed') {
      throw Object.assign(new Error(`pod ${name} failed: ${pod.status.reason}: ${pod.status.message}`), { fatal: true });
    }
    return pod.status?.phase === phase ? pod : undefined;
  }, timeoutMs);
}

export async function waitForPodGone(core: CoreV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  await until(`pod ${namespace}/${name} to be gone`, async () => {
    try {
      await readPod(core, namespace, name);
      return undefined;
    } catch (err) {
      return String((err as Error).message).includes('404') || String(err).includes('NotFound') ? true : undefined;
    }
  }, timeoutMs);
}

/** Messages of the scheduler's FailedScheduling events for a pod. */
export async function schedulingFailures(core: CoreV1Api, namespace: string, name: string): Promise<string[]> {
  const events = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},reason=FailedScheduling` });
  return events.items.map((e) => e.message ?? '');
}

export interface ResourceAmounts {
  capacity: string | undefined;
  allocatable: string | undefined;
}

export async function nodeResource(core: CoreV1Api, nodeName: string, resource: string): Promise<ResourceAmounts> {
  const node = await core.readNode({ name: nodeName });
  return { capacity: node.status?.capacity?.[resource], allocatable: node.status?.allocatable?.[resource] };
}

export function waitForNodeResource(
  core: CoreV1Api,
  nodeName: string,
  resource: string,
  want: ResourceAmounts,
  timeoutMs = 60_000,
): Promise<ResourceAmounts> {
  return until(`node ${nodeName} to report ${resource} ${JSON.stringify(want)}`, async () => {
    const got = await nodeResource(core, nodeName, resource);
    return got.capacity === want.capacity && got.allocatable === want.allocatable ? got : undefined;
  }, timeoutMs);
}
