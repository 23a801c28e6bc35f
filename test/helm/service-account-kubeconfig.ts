// Credentials exactly as a pod of the chart gets them: a token for one of the chart's
// ServiceAccounts from the TokenRequest API, written as a kubeconfig with a bearer token (and
// as the token/CA files the pre-delete hook reads). No kubelet runs here to mount them. A token
// bound to a Pod (as a kubelet's projected token is) carries the Pod's node in its user info.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubeRequest, type KubeEndpoint } from '../../lib/kube/raw-request.ts';

interface KubeconfigFile {
  'current-context': string;
  contexts: Array<{ name: string; context: { cluster: string } }>;
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }>;
}

export interface ServiceAccountCredentials {
  kubeconfig: string;
  tokenFile: string;
  caFile: string;
  server: string;
}

export interface BoundPod {
  name: string;
  uid: string;
}

/**
 * Mints a token for namespace/name (bound to `pod` when given; one hour unless
 * `options.expirationSeconds`) and writes kubeconfig, token and CA into dir, named after
 * `fileName` (default: the ServiceAccount's name). `options.server` replaces the admin
 * kubeconfig's server (e.g. a name that reaches the API server from another network namespace).
 */
export async function serviceAccountCredentials(
  admin: KubeEndpoint,
  adminKubeconfig: string,
  namespace: string,
  name: string,
  dir: string,
  pod?: BoundPod,
  fileName = name,
  options: { server?: string; expirationSeconds?: number } = {},
): Promise<ServiceAccountCredentials> {
  const boundObjectRef = pod ? { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid } : undefined;
  const review = await kubeRequest<{ status: { token: string } }>(admin, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: options.expirationSeconds ?? 3600, ...(boundObjectRef ? { boundObjectRef } : {}) } },
  });
  const file = parse(readFileSync(adminKubeconfig, 'utf8')) as KubeconfigFile;
  const context = file.contexts.find((c) => c.name === file['current-context']);
  const cluster = file.clusters.find((c) => c.name === context?.context.cluster)?.cluster;
  if (!cluster) throw new Error(`${adminKubeconfig}: no cluster for the current context`);
  const ca = cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64') : readFileSync(cluster['certificate-authority'] ?? '');
  const base = join(dir, fileName);
  const server = options.server ?? cluster.server;
  const out: ServiceAccountCredentials = { kubeconfig: `${base}.kubeconfig`, tokenFile: `${base}.token`, caFile: `${base}.ca.crt`, server };
  writeFileSync(out.tokenFile, review.status.token);
  writeFileSync(out.caFile, ca);
  writeFileSync(
    out.kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      contexts: [{ name, context: { cluster: 'test', user: name, namespace } }],
      clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': ca.toString('base64') } }],
      users: [{ name, user: { token: review.status.token } }],
    }),
  );
  return out;
}
