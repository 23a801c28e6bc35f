// `akri-ts status --output dot`: which node reaches which device and where its brokers run,
// with the marks a user looks for. The graph is read back with Graphviz itself (`dot -Tjson`
// lays it out and reports every node and edge with its attributes), so what is asserted is
// what the picture holds, not a string match on our own output.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from './cluster-snapshot.ts';
import { reachGraph } from './reach-graph.ts';

interface Drawn {
  objects: Array<{ _gvid: number; name: string; label?: string; fillcolor?: string; style?: string; color?: string; nodes?: number[] }>;
  edges: Array<{ tail: number; head: number; label?: string; style?: string }>;
}

const now = new Date(2026, 11, 6, 12, 0, 0);
const leaveAt = new Date(2026, 11, 6, 12, 0, 40).toISOString();

const snapshot: ClusterSnapshot = {
  nodes: [
    { name: 'edge-1', ready: true },
    { name: 'edge-2', ready: true },
    { name: 'edge-3', ready: false },
  ],
  configurations: [
    { namespace: 'default', name: 'cams', handler: 'onvif', capacity: 2, allocation: 'DevicePlugin', instances: 2, nodes: ['edge-1: Discovering', 'edge-2: Discovering'] },
    { namespace: 'default', name: 'usb', handler: 'udev', capacity: 1, allocation: 'DevicePlugin', instances: 0, nodes: ['edge-3: InvalidDiscoveryDetails (bad rule)'] },
  ],
  instances: [
    { namespace: 'default', name: 'cams-aaaaaa', configuration: 'cams', shared: true, nodes: ['edge-1', 'edge-2'], slotsUsed: 1, slots: 2, brokers: ['edge-1-cams-aaaaaa-pod'], inGrace: [{ node: 'edge-2', leaveAt }] },
    { namespace: 'default', name: 'cams-bbbbbb', configuration: 'cams', shared: true, nodes: ['edge-1'], slotsUsed: 2, slots: 2, brokers: ['edge-1-cams-bbbbbb-pod'], inGrace: [] },
  ],
  brokers: [
    { namespace: 'default', name: 'edge-1-cams-aaaaaa-pod', instance: 'cams-aaaaaa', node: 'edge-1', phase: 'Running' },
    { namespace: 'default', name: 'edge-1-cams-bbbbbb-pod', instance: 'cams-bbbbbb', node: 'edge-1', phase: 'Pending' },
  ],
  discoveryProblems: [{ namespace: 'default', configuration: 'usb', node: 'edge-3', state: 'InvalidDiscoveryDetails', message: 'bad rule' }],
  warnings: [],
};

function draw(dot: string): Drawn {
  return JSON.parse(execFileSync('dot', ['-Tjson'], { input: dot, encoding: 'utf8' })) as Drawn;
}

describe('akri-ts status --output dot', () => {
  const drawn = draw(reachGraph(snapshot, now));
  const byName = (name: string) => {
    const o = drawn.objects.find((x) => x.name === name);
    if (!o) throw new Error(`no ${name} in the graph; have ${drawn.objects.map((x) => x.name).join(', ')}`);
    return o;
  };
  const edge = (from: string, to: string) => drawn.edges.find((e) => e.tail === byName(from)._gvid && e.head === byName(to)._gvid);

  it('draws an edge from every node that reaches a device to it', () => {
    expect(edge('node/edge-1', 'instance/default/cams-aaaaaa')?.label).toBe('reaches');
    expect(edge('node/edge-2', 'instance/default/cams-aaaaaa')).toBeDefined();
    expect(edge('node/edge-1', 'instance/default/cams-bbbbbb')?.label).toBe('reaches');
    expect(edge('node/edge-2', 'instance/default/cams-bbbbbb')).toBeUndefined();
    expect(edge('node/edge-3', 'instance/default/cams-aaaaaa')).toBeUndefined();
  });

  it('says which node runs each broker, and for which device', () => {
    expect(edge('node/edge-1', 'broker/default/edge-1-cams-aaaaaa-pod')?.label).toBe('runs');
    expect(edge('broker/default/edge-1-cams-aaaaaa-pod', 'instance/default/cams-aaaaaa')?.label).toBe('for');
    expect(edge('broker/default/edge-1-cams-bbbbbb-pod', 'instance/default/cams-bbbbbb')?.label).toBe('for');
  });

  it('marks devices with free slots apart from full ones', () => {
    expect(byName('instance/default/cams-aaaaaa').label).toContain('1/2 slots used · 1 free');
    expect(byName('instance/default/cams-bbbbbb').label).toContain('2/2 slots used · full');
    expect(byName('instance/default/cams-aaaaaa').fillcolor).not.toBe(byName('instance/default/cams-bbbbbb').fillcolor);
  });

  it('marks a device a node keeps only for its grace period, with when it leaves', () => {
    const device = byName('instance/default/cams-aaaaaa');
    expect(device.style).toContain('dashed');
    expect(device.label).toContain('grace period on edge-2: leaves 12:00:40');
    expect(edge('node/edge-2', 'instance/default/cams-aaaaaa')).toMatchObject({ style: 'dashed', label: 'reaches (grace period, leaves 12:00:40)' });
    expect(edge('node/edge-1', 'instance/default/cams-aaaaaa')?.style).toBeUndefined();
  });

  it('marks Pending brokers, nodes that are not Ready and stuck discovery', () => {
    expect(byName('broker/default/edge-1-cams-bbbbbb-pod')).toMatchObject({ label: 'edge-1-cams-bbbbbb-pod\\nPending', fillcolor: '#fff2cc' });
    expect(byName('broker/default/edge-1-cams-aaaaaa-pod').fillcolor).not.toBe('#fff2cc');
    expect(byName('node/edge-3').label).toBe('node edge-3\\nNotReady');
    const usb = drawn.objects.find((o) => o.label?.startsWith('Configuration default/usb'));
    expect(usb?.label).toContain('edge-3: InvalidDiscoveryDetails');
    expect(usb?.color).toBe('#cc0000');
  });

  it('groups devices by Configuration', () => {
    const cams = drawn.objects.find((o) => o.label?.startsWith('Configuration default/cams'));
    expect(cams?.nodes?.map((id) => drawn.objects[id]?.name).sort()).toEqual(['instance/default/cams-aaaaaa', 'instance/default/cams-bbbbbb']);
  });

  it('renders to PNG with Graphviz, even a message with quotes in it', () => {
    const odd: ClusterSnapshot = { ...snapshot, discoveryProblems: [{ ...snapshot.discoveryProblems[0]!, state: 'Bad "quoted" state \\' }] };
    const png = execFileSync('dot', ['-Tpng'], { input: reachGraph(odd, now) });
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(draw(reachGraph(odd, now)).objects.some((o) => o.label?.includes('Bad "quoted" state'))).toBe(true);
  });
});
