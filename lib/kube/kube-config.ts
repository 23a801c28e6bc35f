// Loads a kubeconfig: an explicit path, else $KUBECONFIG, else in-cluster, else ~/.kube/config.
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error(
      path ? `kubeconfig ${path} names no current cluster` : 'no Kubernetes cluster configured: set KUBECONFIG or run in a pod',
    );
  }
  return kc;
}
