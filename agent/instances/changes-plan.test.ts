import { describe, expect, it } from 'vitest';
import type { Instance } from '../../lib/crd/instance.ts';
import { changesPlan } from './changes-plan.ts';

const base: Instance = {
  apiVersion: 'akri.sh/v0',
  kind: 'Instance',
  metadata: { name: 'cam-a1b2c3', namespace: 'default', finalizers: ['node-a'] },
  spec: { configurationName: 'cam', cdiName: 'akri.sh/cam=a1b2c3', capacity: 2, shared: true, nodes: ['node-a'], brokerProperties: { A: '1' }, deviceUsage: { 'cam-a1b2c3-0': '' } },
};

function edit(f: (i: Instance) => void): Instance {
  const copy = structuredClone(base);
  f(copy);
  return copy;
}

describe('changesPlan', () => {
  it('a slot claim (deviceUsage alone) leaves the plan as it was', () => {
    expect(changesPlan('MODIFIED', edit((i) => (i.spec.deviceUsage = { 'cam-a1b2c3-0': 'node-a' })), base)).toBe(false);
  });

  it('nodes, properties, capacity, finalizers and deletion each change it', () => {
    expect(changesPlan('MODIFIED', edit((i) => (i.spec.nodes = ['node-a', 'node-b'])), base)).toBe(true);
    expect(changesPlan('MODIFIED', edit((i) => (i.spec.brokerProperties = { A: '2' })), base)).toBe(true);
    expect(changesPlan('MODIFIED', edit((i) => (i.spec.capacity = 3)), base)).toBe(true);
    expect(changesPlan('MODIFIED', edit((i) => (i.metadata.finalizers = [])), base)).toBe(true);
    expect(changesPlan('MODIFIED', edit((i) => (i.metadata.deletionTimestamp = new Date('2026-11-22T00:00:00Z'))), base)).toBe(true);
  });

  it('additions, deletions and changes with no previous copy always do', () => {
    expect(changesPlan('ADDED', base, undefined)).toBe(true);
    expect(changesPlan('DELETED', base, base)).toBe(true);
    expect(changesPlan('MODIFIED', base, undefined)).toBe(true);
  });
});
