// What `akri-ts status` prints for a cluster: each Instance with its nodes, the slots in use
// out of its capacity, and its brokers; each Configuration with its Instance count and the
// discovery state its agents report.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Configuration } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { summarise } from './cluster-snapshot.ts';
import { formatSnapshot } from './status-table.ts';

const configuration: Configuration = {
  apiVersion: 'akri.sh/v0',
  kind: 'Configuration',
  metadata: { name: 'akri-udev', namespace: 'default' },
  spec: { discoveryHandler: { name: 'udev', discoveryDetails: '' }, capacity: 2 },
  status: { nodes: [{ node: 'edge-1', state: 'InvalidDiscoveryDetails', message: 'udevRules[0]: bad', instances: 0, endpoints: 1 }] },
};
const instance: Instance = {
  apiVersion: 'akri.sh/v0',
  kind: 'Instance',
  metadata: { name: 'akri-udev-ce4650', namespace: 'default' },
  spec: { configurationName: 'akri-udev', cdiName: 'akri.sh/akri-udev=ce4650', capacity: 2, nodes: ['edge-1'], deviceUsage: { 'akri-udev-ce4650-0': 'edge-1', 'akri-udev-ce4650-1': '' } },
} as Instance;
const pod: V1Pod = {
  metadata: { name: 'akri-udev-ce4650-pod', namespace: 'default', labels: { 'akri.sh/configuration': 'akri-udev', 'akri.sh/instance': 'akri-udev-ce4650' } },
  spec: { nodeName: 'edge-1', containers: [] },
  status: { phase: 'Running' },
};

describe('akri-ts status', () => {
  const snapshot = summarise([configuration], [instance], [pod]);

  it('counts slots in use out of the capacity, and the brokers of each Instance', () => {
    expect(snapshot.instances).toEqual([
      expect.objectContaining({ name: 'akri-udev-ce4650', nodes: ['edge-1'], slotsUsed: 1, slots: 2, brokers: ['akri-udev-ce4650-pod'] }),
    ]);
  });

  it('shows why discovery is stuck on a node', () => {
    expect(snapshot.configurations[0]?.nodes).toEqual(['edge-1: InvalidDiscoveryDetails (udevRules[0]: bad)']);
  });

  it('prints aligned tables a pipe can split on whitespace', () => {
    const text = formatSnapshot(snapshot);
    expect(text).toContain('INSTANCES (1)');
    const row = text.split('\n').find((l) => l.startsWith('default    akri-udev-ce4650'));
    expect(row?.split(/\s+/)).toEqual(['default', 'akri-udev-ce4650', 'akri-udev', 'no', 'edge-1', '1/2', '1']);
  });
});
