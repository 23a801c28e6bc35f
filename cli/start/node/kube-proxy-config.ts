// The KubeProxyConfiguration of the test node: kube-proxy in nftables mode, as K3s and MicroK8s
// run a kube-proxy on every node, so pods reach the API server through the `kubernetes` Service's
// ClusterIP (in-cluster config) and broker Services reach their brokers. nftables keeps every rule
// in kube-proxy's own tables (ip/ip6 "kube-proxy"), so stopping removes them whole and nothing is
// left in this shared machine's other tables. Conntrack sysctls and the OOM score stay as they
// are (0 = leave alone; this machine withholds CAP_SYS_RESOURCE), and every Service connection is
// masqueraded, so a pod reaching a Service on its own bridge needs no br_netfilter.
import { stringify } from 'yaml';

/** The nftables tables kube-proxy owns; deleting them removes everything it programmed. */
export const KUBE_PROXY_NFT_TABLES: ReadonlyArray<readonly [family: string, table: string]> = [
  ['ip', 'kube-proxy'],
  ['ip6', 'kube-proxy'],
];

export interface KubeProxyConfigOptions {
  nodeName: string;
  kubeconfig: string;
  /** The pods' subnet on the node's bridge. */
  clusterCidr: string;
  healthzPort: number;
  metricsPort: number;
}

export function renderKubeProxyConfig(o: KubeProxyConfigOptions): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: o.kubeconfig },
    hostnameOverride: o.nodeName,
    mode: 'nftables',
    clusterCIDR: o.clusterCidr,
    nftables: { masqueradeAll: true, syncPeriod: '30s', minSyncPeriod: '0s' },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    oomScoreAdj: 0,
    healthzBindAddress: `127.0.0.1:${o.healthzPort}`,
    metricsBindAddress: `127.0.0.1:${o.metricsPort}`,
    enableProfiling: false,
  });
}
