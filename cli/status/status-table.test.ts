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

describe('akri-ts status for a DRA Configuration', () => {
  const dra: Configuration = { ...configuration, metadata: { name: 'cams', namespace: 'default' }, spec: { discoveryHandler: { name: 'onvif' }, capacity: 2, deviceAllocation: 'DRA' }, status: {} };
  const cam: Instance = { ...instance, metadata: { name: 'cams-d34504', namespace: 'default' }, spec: { configurationName: 'cams', cdiName: 'akri.sh/cams=d34504', capacity: 2, shared: true, nodes: ['edge-2', 'edge-1'] } } as Instance;
  const snapshot = summarise([configuration, dra], [instance, cam], [pod], {
    slices: [
      {
        apiVersion: 'resource.k8s.io/v1',
        kind: 'ResourceSlice',
        metadata: { name: 'default.cams-d34504.0' },
        spec: {
          driver: 'akri.sh',
          pool: { name: 'default/cams-d34504', generation: 3, resourceSliceCount: 1 },
          nodeSelector: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['edge-1', 'edge-2'] }] }] },
          devices: [{ name: 'slot-0' }, { name: 'slot-1' }],
        },
      },
    ],
    claims: [
      {
        metadata: { name: 'viewer-cam-x7k2p', namespace: 'default' },
        spec: { devices: { requests: [{ name: 'cam', exactly: { deviceClassName: 'cams' } }] } },
        status: { allocation: { devices: { results: [{ request: 'cam', driver: 'akri.sh', pool: 'default/cams-d34504', device: 'slot-1' }] } }, reservedFor: [{ resource: 'pods', name: 'viewer', uid: 'u' }] },
      },
      { metadata: { name: 'waiting-cam-q', namespace: 'default' }, spec: { devices: { requests: [{ name: 'cam', exactly: { deviceClassName: 'cams' } }] } } },
      { metadata: { name: 'gpu', namespace: 'default' }, spec: { devices: { requests: [{ name: 'g', exactly: { deviceClassName: 'gpu.example.com' } }] } } },
    ],
  });

  it('shows its slices and the claims on its devices, and counts allocated devices as slots in use', () => {
    expect(snapshot.configurations.map((c) => [c.name, c.allocation])).toEqual([
      ['akri-udev', 'DevicePlugin'],
      ['cams', 'DRA'],
    ]);
    expect(snapshot.instances.find((i) => i.name === 'cams-d34504')).toMatchObject({ slotsUsed: 1, slots: 2 });
    expect(snapshot.slices).toEqual([{ name: 'default.cams-d34504.0', pool: 'default/cams-d34504', nodes: ['edge-1', 'edge-2'], devices: 2, generation: 3 }]);
    expect(snapshot.claims).toEqual([
      { namespace: 'default', name: 'viewer-cam-x7k2p', devices: ['default/cams-d34504/slot-1'], pods: ['viewer'], state: 'allocated' },
      { namespace: 'default', name: 'waiting-cam-q', devices: [], pods: [], state: 'pending' },
    ]);
    const text = formatSnapshot(snapshot);
    expect(text).toContain('RESOURCE SLICES (1)');
    expect(text.split('\n').find((l) => l.startsWith('default    viewer-cam-x7k2p'))?.split(/\s+/)).toEqual(['default', 'viewer-cam-x7k2p', 'allocated', 'default/cams-d34504/slot-1', 'viewer']);
  });

  it('prints no DRA sections when no Configuration uses DRA', () => {
    const text = formatSnapshot(summarise([configuration], [instance], [pod]));
    expect(text).not.toContain('RESOURCE SLICES');
  });
});
