// The KubeletConfiguration for this machine: cgroup v1 with cgroupfs (no systemd), swap allowed,
// no CPU/memory/topology managers, ports picked at run time (other engineers' kubelets or
// control planes may share the host), client certificates checked against the test CA, and
// eviction and image GC thresholds low enough that a shared dev disk never evicts our pods.
import { stringify } from 'yaml';
import type { NodePki } from './node-pki.ts';

export interface KubeletConfigOptions {
  address: string;
  port: number;
  healthzPort: number;
  containerdSocket: string;
  pki: NodePki;
  resolvConf: string;
  /** Where container logs go (default /var/log/pods); /var/log/containers links stay fixed. */
  podLogsDir: string;
  /** How often the kubelet looks for node status changes (e.g. device-plugin capacity). */
  nodeStatusUpdateFrequency?: string;
}

export function renderKubeletConfig(o: KubeletConfigOptions): string {
  const endpoint = `unix://${o.containerdSocket}`;
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: o.address,
    port: o.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: o.healthzPort,
    tlsCertFile: o.pki.servingCert,
    tlsPrivateKeyFile: o.pki.servingKey,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: o.pki.caCert },
    },
    // Only holders of a certificate from the test CA get this far (the apiserver, the tests).
    authorization: { mode: 'AlwaysAllow' },
    containerRuntimeEndpoint: endpoint,
    imageServiceEndpoint: endpoint,
    cgroupDriver: 'cgroupfs',
    cgroupsPerQOS: true,
    // This VM mounts cgroup v1 (/sys/fs/cgroup is a tmpfs of v1 hierarchies).
    failCgroupV1: false,
    failSwapOn: false,
    cpuManagerPolicy: 'none',
    memoryManagerPolicy: 'None',
    topologyManagerPolicy: 'none',
    localStorageCapacityIsolation: false,
    protectKernelDefaults: false,
    // Otherwise the kubelet adds host-wide iptables rules (INPUT/OUTPUT -j KUBE-FIREWALL, which
    // drops non-loopback traffic to 127.0.0.0/8) and canary chains, and never removes them.
    makeIPTablesUtilChains: false,
    // The default -999 cannot be set without CAP_SYS_RESOURCE, which this machine withholds.
    oomScoreAdj: 0,
    resolvConf: o.resolvConf,
    podLogsDir: o.podLogsDir,
    clusterDomain: 'cluster.local',
    maxPods: 30,
    podPidsLimit: -1,
    serializeImagePulls: false,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    nodeStatusUpdateFrequency: o.nodeStatusUpdateFrequency ?? '2s',
    nodeStatusReportFrequency: '10s',
    syncFrequency: '5s',
    fileCheckFrequency: '5s',
    shutdownGracePeriod: '0s',
    shutdownGracePeriodCriticalPods: '0s',
    runtimeRequestTimeout: '2m',
    containerLogMaxSize: '1Mi',
  });
}
