// The kubelet's configuration for this machine: cgroup v1 accepted, cgroupfs, swap allowed, no
// OOM score it cannot set, TLS from the test CA, and nothing that evicts pods on a busy disk.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeletConfig } from './kubelet-config.ts';

const config = parse(
  renderKubeletConfig({
    address: '192.0.2.2',
    port: 40001,
    healthzPort: 40002,
    containerdSocket: '/tmp/n1/containerd/containerd.sock',
    resolvConf: '/tmp/n1/resolv.conf',
    podLogsDir: '/tmp/n1/pod-logs',
    pki: { caCert: '/ca.crt', clientCert: '/c.crt', clientKey: '/c.key', servingCert: '/s.crt', servingKey: '/s.key' },
  }),
) as Record<string, unknown>;

describe('kubelet configuration for a test node', () => {
  it('runs on cgroup v1 with cgroupfs and allows swap', () => {
    expect(config).toMatchObject({ kind: 'KubeletConfiguration', cgroupDriver: 'cgroupfs', failCgroupV1: false, failSwapOn: false });
  });

  it('talks to our containerd and serves on the chosen address and ports', () => {
    expect(config).toMatchObject({
      containerRuntimeEndpoint: 'unix:///tmp/n1/containerd/containerd.sock',
      address: '192.0.2.2',
      port: 40001,
      healthzPort: 40002,
      readOnlyPort: 0,
    });
  });

  it('trusts only client certificates from the test CA', () => {
    expect(config.authentication).toEqual({ anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: '/ca.crt' } });
    expect(config).toMatchObject({ tlsCertFile: '/s.crt', tlsPrivateKeyFile: '/s.key' });
  });

  it('leaves the host\'s iptables and /var/log/pods alone', () => {
    expect(config).toMatchObject({ makeIPTablesUtilChains: false, podLogsDir: '/tmp/n1/pod-logs' });
  });

  it('asks for no OOM score or CPU pinning this machine cannot give', () => {
    expect(config).toMatchObject({ oomScoreAdj: 0, cpuManagerPolicy: 'none', protectKernelDefaults: false });
  });
});
