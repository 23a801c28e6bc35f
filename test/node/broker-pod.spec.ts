// A plain broker pod on the real node: scheduled by kube-scheduler, admitted by the kubelet,
// run by containerd + runc from our busybox image, and its output read back with `kubectl logs`
// (API server -> kubelet over TLS, checked against the test CA).
import { describe, expect, inject, it } from 'vitest';
import { useTestCluster } from '../integration/support/cluster.ts';
import { brokerPod, createPod, until, waitForPhase } from './support/broker-pods.ts';

const cluster = useTestCluster('node-broker');
const nodeName = inject('nodeName');
const image = inject('brokerImage');

describe('a broker pod on a real kubelet', () => {
  it('is scheduled onto the node, runs, and its logs show its environment', async () => {
    const ns = cluster.namespace;
    await createPod(cluster.core, ns, brokerPod('plain', image, nodeName, { env: { GREETING: 'hello from the pod spec' } }));
    const pod = await waitForPhase(cluster.core, ns, 'plain', 'Running');
    expect(pod.spec?.nodeName).toBe(nodeName);
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
    expect(pod.status?.podIP).toMatch(/^10\.233\.\d+\.\d+$/);

    const logs = await until('the broker to print its environment', async () => {
      const res = await cluster.kubectl(['logs', '-n', ns, 'plain']);
      if (res.code !== 0) throw new Error(res.stderr);
      return res.stdout.includes('--- end ---') ? res.stdout : undefined;
    });
    expect(logs).toContain('GREETING=hello from the pod spec');
    expect(logs).toContain('HOSTNAME=plain');
  });
});
