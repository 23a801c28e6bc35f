// The credentials each node's agent would have in a cluster: a Node (no kubelet needed), a Pod of
// the agent's ServiceAccount scheduled to it, and a ServiceAccount token bound to that Pod (what
// a kubelet mounts). Kubernetes 1.32+ (GA, always on; beta and on by default since 1.30) records
// the Pod's node in such a token, and the API server hands it to admission as the user's extra
// "authentication.kubernetes.io/node-name". No API server flag or feature gate is needed.
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest, type KubeEndpoint } from '../../../lib/kube/raw-request.ts';
import { LiteKubeConfig } from '../../../lib/kube/lite-kube-config.ts';
import { serviceAccountCredentials, type ServiceAccountCredentials } from '../../helm/service-account-kubeconfig.ts';

export interface AgentIdentity {
  node: string;
  pod: string;
  credentials: ServiceAccountCredentials;
  kc: KubeEndpoint;
}

/** Creates the Node (if missing) and an agent Pod bound to it, then mints a Pod-bound token. */
export async function agentIdentity(
  admin: KubeConfig,
  adminKubeconfig: string,
  namespace: string,
  serviceAccount: string,
  node: string,
  dir: string,
): Promise<AgentIdentity> {
  await kubeRequest(admin, { method: 'POST', path: '/api/v1/nodes', body: { apiVersion: 'v1', kind: 'Node', metadata: { name: node } } }).catch((err: unknown) => {
    if ((err as { status?: number }).status !== 409) throw err;
  });
  const pod = `agent-${node}`;
  const created = await kubeRequest<{ metadata: { uid: string } }>(admin, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/pods`,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod },
      // Bound to the node directly, as the DaemonSet controller does; it never runs here.
      spec: { nodeName: node, serviceAccountName: serviceAccount, automountServiceAccountToken: false, containers: [{ name: 'agent', image: 'akri-ts:test' }] },
    },
  });
  const credentials = await serviceAccountCredentials(admin, adminKubeconfig, namespace, serviceAccount, dir, { name: pod, uid: created.metadata.uid }, pod);
  return { node, pod, credentials, kc: LiteKubeConfig.load(credentials.kubeconfig) };
}

/** Who the API server says the credentials are (SelfSubjectReview). */
export async function whoAmI(kc: KubeEndpoint): Promise<{ username: string; extra?: Record<string, string[]> }> {
  const review = await kubeRequest<{ status: { userInfo: { username: string; extra?: Record<string, string[]> } } }>(kc, {
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status.userInfo;
}
