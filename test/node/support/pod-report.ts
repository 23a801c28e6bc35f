// What a red node-tier test must say about a pod that did not do what was expected: its phase,
// conditions and container states, its events and its containers' logs (the current and the
// previous run), so that a failing CI shows why without anyone logging in.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { TestCluster } from '../../integration/support/cluster.ts';
import { until } from './broker-pods.ts';

function containerLines(pod: V1Pod): string[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.map((c) => {
    const state = c.state?.running ? 'running' : c.state?.waiting ? `waiting (${c.state.waiting.reason}: ${c.state.waiting.message ?? ''})` : c.state?.terminated ? `terminated (${c.state.terminated.reason}, exit ${c.state.terminated.exitCode}: ${c.state.terminated.message ?? ''})` : 'unknown';
    return `  container ${c.name}: ${state}, ready ${c.ready}, restarts ${c.restartCount}`;
  });
}

/** Everything worth knowing about one pod, as text. */
export async function podReport(cluster: TestCluster, namespace: string, name: string): Promise<string> {
  const lines: string[] = [`--- pod ${namespace}/${name} ---`];
  let pod: V1Pod | undefined;
  try {
    pod = await cluster.core.readNamespacedPod({ namespace, name });
  } catch (err) {
    lines.push(`  (cannot read it: ${(err as Error).message})`);
  }
  if (pod) {
    lines.push(`  phase ${pod.status?.phase} on ${pod.spec?.nodeName ?? '(unscheduled)'}${pod.status?.reason ? `, ${pod.status.reason}: ${pod.status.message}` : ''}`);
    for (const c of pod.status?.conditions ?? []) if (c.status !== 'True') lines.push(`  condition ${c.type}=${c.status} ${c.reason ?? ''} ${c.message ?? ''}`);
    lines.push(...containerLines(pod));
  }
  const events = await cluster.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` }).catch(() => undefined);
  for (const e of events?.items ?? []) lines.push(`  event ${e.type} ${e.reason} (x${e.count ?? 1}): ${e.message ?? ''}`);
  for (const c of pod?.spec?.containers ?? []) {
    for (const previous of [false, true]) {
      const res = await cluster.kubectl(['logs', '-n', namespace, name, '-c', c.name, '--tail', '40', ...(previous ? ['--previous'] : [])]);
      if (res.code === 0 && res.stdout.trim()) lines.push(`  logs of ${c.name}${previous ? ' (previous run)' : ''}:`, ...res.stdout.trimEnd().split('\n').map((l) => `    ${l}`));
      else if (!previous && res.code !== 0) lines.push(`  logs of ${c.name}: ${res.stderr.trim()}`);
    }
  }
  return lines.join('\n');
}

/** Warning events of a namespace (e.g. a DaemonSet that cannot create its pods). */
export async function warningEvents(core: CoreV1Api, namespace: string): Promise<string> {
  const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' }).catch(() => undefined);
  return (events?.items ?? []).map((e) => `  ${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message ?? ''}`).join('\n');
}

const isReady = (pod: V1Pod): boolean =>
  pod.status?.phase === 'Running' && (pod.status.containerStatuses ?? []).length > 0 && (pod.status.containerStatuses ?? []).every((c) => c.ready);

/**
 * Waits until `count` pods match the selector and all are Running and ready; a pod that fails
 * or a timeout ends the wait with every matching pod's report and the namespace's warnings.
 */
export async function waitForReadyPods(cluster: TestCluster, namespace: string, labelSelector: string, count = 1, timeoutMs = 180_000): Promise<V1Pod[]> {
  try {
    return await until(`${count} ready pod(s) ${labelSelector} in ${namespace}`, async () => {
      const pods = (await cluster.core.listNamespacedPod({ namespace, labelSelector })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const failed = pods.find((p) => p.status?.phase === 'Failed' || (p.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0));
      if (failed) throw Object.assign(new Error(`pod ${failed.metadata?.name} failed or restarted`), { fatal: true });
      return pods.length === count && pods.every(isReady) ? pods : undefined;
    }, timeoutMs);
  } catch (err) {
    const pods = (await cluster.core.listNamespacedPod({ namespace, labelSelector }).catch(() => undefined))?.items ?? [];
    const reports = await Promise.all(pods.map((p) => podReport(cluster, namespace, p.metadata?.name ?? '')));
    throw new Error(
      `${(err as Error).message}\n${reports.join('\n') || `(no pod matches ${labelSelector})`}\nwarnings in ${namespace}:\n${await warningEvents(cluster.core, namespace)}`,
    );
  }
}
