// kube-proxy as the test node runs it: nftables mode (its own tables, removable whole), every
// Service connection masqueraded, and no host-wide sysctl or OOM score changed.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeProxyConfig } from './kube-proxy-config.ts';

const config = parse(
  renderKubeProxyConfig({ nodeName: 'n1', kubeconfig: '/tmp/n1/kubeconfig', clusterCidr: '10.233.7.0/24', healthzPort: 40003, metricsPort: 40004 }),
) as Record<string, unknown>;

describe('kube-proxy configuration for a test node', () => {
  it('programs Services with nftables for this node and its pod subnet, masquerading every connection', () => {
    expect(config).toMatchObject({
      kind: 'KubeProxyConfiguration',
      mode: 'nftables',
      hostnameOverride: 'n1',
      clusterCIDR: '10.233.7.0/24',
      clientConnection: { kubeconfig: '/tmp/n1/kubeconfig' },
      nftables: { masqueradeAll: true },
    });
  });

  it('leaves the conntrack sysctls and OOM scores alone and serves health on loopback only', () => {
    expect(config).toMatchObject({
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      oomScoreAdj: 0,
      healthzBindAddress: '127.0.0.1:40003',
      metricsBindAddress: '127.0.0.1:40004',
    });
  });
});
