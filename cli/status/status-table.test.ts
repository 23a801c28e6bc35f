// What `akri-ts status` prints for a cluster: each Instance with its nodes, the slots in use
// out of its capacity, and its brokers; each Configuration with its Instance count and the
// discovery state its agents report; and, first, the problems: stuck nodes and the latest
// Warning Events on Configurations and Instances.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
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
  status: {
    nodes: [
      { node: 'edge-1', state: 'InvalidDiscoveryDetails', message: 'udevRules[0]: bad', instances: 0, endpoints: 1 },
      { node: 'edge-2', state: 'Discovering', message: '1 instance(s) from 1 endpoint(s) of udev', instances: 1, endpoints: 1 },
    ],
  },
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

function warning(kind: string, name: string, reason: string, lastTimestamp: Date, apiVersion = 'akri.sh/v0'): CoreV1Event {
  return {
    metadata: { name: `${name}.${reason}`, namespace: 'default' },
    involvedObject: { apiVersion, kind, name, namespace: 'default' },
    type: 'Warning',
    reason,
    message: `${reason} on ${name}`,
    count: 2,
    lastTimestamp,
  };
}

describe('akri-ts status', () => {
  const snapshot = summarise({ configurations: [configuration], instances: [instance], pods: [pod] });

  it('counts slots in use out of the capacity, and the brokers of each Instance', () => {
    expect(snapshot.instances).toEqual([
      expect.objectContaining({ name: 'akri-udev-ce4650', nodes: ['edge-1'], slotsUsed: 1, slots: 2, brokers: ['akri-udev-ce4650-pod'] }),
    ]);
  });

  it('shows why discovery is stuck on a node', () => {
    expect(snapshot.configurations[0]?.nodes).toEqual(['edge-1: InvalidDiscoveryDetails (udevRules[0]: bad)', 'edge-2: Discovering']);
    expect(snapshot.discoveryProblems).toEqual([
      { namespace: 'default', configuration: 'akri-udev', node: 'edge-1', state: 'InvalidDiscoveryDetails', message: 'udevRules[0]: bad' },
    ]);
  });

  it('prints aligned tables a pipe can split on whitespace', () => {
    const text = formatSnapshot(snapshot);
    expect(text).toContain('INSTANCES (1)');
    const row = text.split('\n').find((l) => l.startsWith('default    akri-udev-ce4650'));
    expect(row?.split(/\s+/)).toEqual(['default', 'akri-udev-ce4650', 'akri-udev', 'no', 'edge-1', '1/2', '1']);
  });

  it('puts the stuck node first, above the happy tables', () => {
    const lines = formatSnapshot(snapshot).split('\n');
    expect(lines[0]).toBe('DISCOVERY PROBLEMS (1)');
    expect(lines[2]?.split(/\s+/).slice(0, 4)).toEqual(['default', 'akri-udev', 'edge-1', 'InvalidDiscoveryDetails']);
    expect(lines.indexOf('DISCOVERY PROBLEMS (1)')).toBeLessThan(lines.findIndex((l) => l.startsWith('CONFIGURATIONS')));
  });

  it('lists the latest Warning Events on Configurations and Instances only, newest first', () => {
    const now = new Date(2026, 11, 6, 12, 0, 0);
    const events = [
      warning('Configuration', 'akri-udev', 'HandlerProblem', new Date(2026, 11, 6, 11, 0, 0)),
      warning('Instance', 'akri-udev-ce4650', 'AllocateRefused', new Date(2026, 11, 6, 11, 30, 5)),
      warning('Pod', 'unrelated', 'BackOff', new Date(2026, 11, 6, 11, 59, 0), 'v1'),
      warning('Instance', 'old-one', 'AllocateRefused', new Date(2026, 11, 1, 8, 0, 0)),
      ...Array.from({ length: 4 }, (_, i) => warning('Configuration', `c${i}`, 'InvalidDiscoveryDetails', new Date(2026, 11, 6, 10, i, 0))),
    ];
    const s = summarise({ configurations: [], instances: [], pods: [], events });
    expect(s.warnings.map((w) => `${w.kind}/${w.name}`)).toEqual([
      'Instance/akri-udev-ce4650',
      'Configuration/akri-udev',
      'Configuration/c3',
      'Configuration/c2',
      'Configuration/c1',
      'Configuration/c0',
      'Instance/old-one',
    ]);
    const lines = formatSnapshot(s, { now }).split('\n');
    expect(lines[0]).toBe('WARNING EVENTS (latest 5 of 7)');
    expect(lines[2]?.split(/\s+/).slice(0, 5)).toEqual(['11:30:05', 'default', 'Instance/akri-udev-ce4650', 'AllocateRefused', '2']);
    expect(lines.some((l) => l.includes('old-one'))).toBe(false);
    // An older day's Warning carries its date.
    const all = formatSnapshot(s, { now, warnings: 10 });
    expect(all).toContain('2026-12-01T08:00:00');
  });

  it('says so when there is no problem, and lists what npm start itself noticed', () => {
    const calm = summarise({ configurations: [], instances: [], pods: [] });
    expect(formatSnapshot(calm).split('\n')[0]).toMatch(/^PROBLEMS: none/);
    const local = formatSnapshot(calm, { localProblems: ['12:00:00 node heartbeat: connect ECONNREFUSED'] }).split('\n');
    expect(local.slice(0, 2)).toEqual(['LOCAL PROBLEMS (1)', '12:00:00 node heartbeat: connect ECONNREFUSED']);
  });

  it('names the nodes that keep an Instance only for their grace period', () => {
    const withGrace: Configuration = {
      ...configuration,
      status: {
        nodes: [
          {
            node: 'edge-1',
            state: 'Discovering',
            instances: 1,
            endpoints: 1,
            inGrace: 1,
            instancesInGrace: [{ instance: 'akri-udev-ce4650', since: '2026-12-06T11:59:00Z', leaveAt: '2026-12-06T12:00:00Z' }],
          },
        ],
      },
    };
    const s = summarise({ configurations: [withGrace], instances: [instance], pods: [] });
    expect(s.instances[0]?.inGrace).toEqual([{ node: 'edge-1', leaveAt: '2026-12-06T12:00:00Z' }]);
  });
});

describe('akri-ts status for a DRA Configuration', () => {
  const dra: Configuration = { ...configuration, metadata: { name: 'cams', namespace: 'default' }, spec: { discoveryHandler: { name: 'onvif' }, capacity: 2, deviceAllocation: 'DRA' }, status: {} };
  const cam: Instance = { ...instance, metadata: { name: 'cams-d34504', namespace: 'default' }, spec: { configurationName: 'cams', cdiName: 'akri.sh/cams=d34504', capacity: 2, shared: true, nodes: ['edge-2', 'edge-1'] } } as Instance;
  const snapshot = summarise({
    configurations: [configuration, dra],
    instances: [instance, cam],
    pods: [pod],
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
    const text = formatSnapshot(summarise({ configurations: [configuration], instances: [instance], pods: [pod] }));
    expect(text).not.toContain('RESOURCE SLICES');
  });
});
