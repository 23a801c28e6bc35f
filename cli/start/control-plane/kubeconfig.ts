// Writes a kubeconfig for a loopback control plane, with embedded certificate paths.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user?: string;
}

export function renderKubeconfig(o: KubeconfigOptions): string {
  const user = o.user ?? 'akri-ts-admin';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'akri-ts', cluster: { server: o.server, 'certificate-authority': o.caCert } }],
    users: [{ name: user, user: { 'client-certificate': o.clientCert, 'client-key': o.clientKey } }],
    contexts: [{ name: 'akri-ts', context: { cluster: 'akri-ts', user } }],
    'current-context': 'akri-ts',
  });
}

export function writeKubeconfig(path: string, o: KubeconfigOptions): string {
  writeFileSync(path, renderKubeconfig(o), { mode: 0o600 });
  return path;
}
