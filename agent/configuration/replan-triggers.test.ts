import { describe, expect, it } from 'vitest';
import type { Configuration, NodeDiscoveryStatus } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import type { DesiredSpec } from '../instances/plan-instances.ts';
import { configurationNeedsPlan, instanceNeedsPlan } from './replan-triggers.ts';

const want: DesiredSpec = { configurationName: 'cam', cdiName: 'akri.sh/cam=a1b2c3', capacity: 2, brokerProperties: { A: '1' }, shared: true };
const desired = new Map([['cam-a1b2c3', want]]);

const planned: Instance = {
  apiVersion: 'akri.sh/v0',
  kind: 'Instance',
  metadata: { name: 'cam-a1b2c3', namespace: 'default', finalizers: ['node-a'] },
  spec: { ...want, nodes: ['node-a'], deviceUsage: { 'cam-a1b2c3-0': '' } },
};

function instance(f: (i: Instance) => void): Instance {
  const copy = structuredClone(planned);
  f(copy);
  return copy;
}

describe('instanceNeedsPlan', () => {
  it("the echo of this node's own apply, a slot claim and another node joining need no new plan", () => {
    expect(instanceNeedsPlan('ADDED', planned, undefined, 'node-a', desired)).toBe(false);
    expect(instanceNeedsPlan('MODIFIED', instance((i) => (i.spec.deviceUsage = { 'cam-a1b2c3-0': 'node-b' })), planned, 'node-a', desired)).toBe(false);
    expect(instanceNeedsPlan('MODIFIED', instance((i) => (i.spec.nodes = ['node-a', 'node-b'])), planned, 'node-a', desired)).toBe(false);
    // The apply lands before the finalizer this node writes next.
    expect(instanceNeedsPlan('ADDED', instance((i) => (i.metadata.finalizers = [])), undefined, 'node-a', desired)).toBe(false);
  });

  it('an Instance that is not what the plan wants needs one: edited, left, deleted, its finalizer removed', () => {
    expect(instanceNeedsPlan('MODIFIED', instance((i) => (i.spec.capacity = 3)), planned, 'node-a', desired)).toBe(true);
    expect(instanceNeedsPlan('MODIFIED', instance((i) => (i.spec.nodes = ['node-b'])), planned, 'node-a', desired)).toBe(true);
    expect(instanceNeedsPlan('DELETED', planned, planned, 'node-a', desired)).toBe(true);
    expect(instanceNeedsPlan('MODIFIED', instance((i) => (i.metadata.finalizers = [])), planned, 'node-a', desired)).toBe(true);
  });

  it("another Configuration's or another node's Instance is nothing to this node; anything is, before the first plan", () => {
    const other = instance((i) => {
      i.metadata.name = 'cam-ffffff';
      i.metadata.finalizers = ['node-b'];
      i.spec.nodes = ['node-b'];
    });
    expect(instanceNeedsPlan('ADDED', other, undefined, 'node-a', desired)).toBe(false);
    expect(instanceNeedsPlan('DELETED', other, other, 'node-a', desired)).toBe(false);
    expect(instanceNeedsPlan('ADDED', other, undefined, 'node-a', undefined)).toBe(true);
  });
});

describe('configurationNeedsPlan', () => {
  const status = (node: string, instances: number): NodeDiscoveryStatus => ({ node, state: 'Discovering', instances, endpoints: 1, conditions: [] });
  const cfg: Configuration = {
    apiVersion: 'akri.sh/v0',
    kind: 'Configuration',
    metadata: { name: 'cam', namespace: 'default', generation: 1, uid: 'u1', finalizers: ['node-a'] },
    spec: { discoveryHandler: { name: 'debugEcho', discoveryDetails: '' } },
    status: { nodes: [status('node-a', 1)] },
  };
  const edit = (f: (c: Configuration) => void): Configuration => {
    const copy = structuredClone(cfg);
    f(copy);
    return copy;
  };

  it("the echo of this node's status write and other nodes' status entries need no new plan", () => {
    const before = edit((c) => (c.status = { nodes: [] }));
    expect(configurationNeedsPlan('MODIFIED', cfg, before, 'node-a', status('node-a', 1))).toBe(false);
    const other = edit((c) => c.status?.nodes?.push(status('node-b', 4)));
    expect(configurationNeedsPlan('MODIFIED', other, cfg, 'node-a', status('node-a', 1))).toBe(false);
  });

  it('a spec edit, deletion, a lost finalizer or a status entry someone else changed need one', () => {
    expect(configurationNeedsPlan('MODIFIED', edit((c) => (c.metadata.generation = 2)), cfg, 'node-a', status('node-a', 1))).toBe(true);
    expect(configurationNeedsPlan('MODIFIED', edit((c) => (c.metadata.deletionTimestamp = new Date())), cfg, 'node-a', status('node-a', 1))).toBe(true);
    expect(configurationNeedsPlan('MODIFIED', edit((c) => (c.metadata.finalizers = [])), cfg, 'node-a', status('node-a', 1))).toBe(true);
    expect(configurationNeedsPlan('MODIFIED', edit((c) => (c.status = { nodes: [] })), cfg, 'node-a', status('node-a', 1))).toBe(true);
    expect(configurationNeedsPlan('ADDED', cfg, undefined, 'node-a', undefined)).toBe(true);
  });
});
