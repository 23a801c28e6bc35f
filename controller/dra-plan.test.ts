// What the controller writes for DRA Configurations: a DeviceClass each, the slices of shared
// Instances, a claim template per Instance; and what it deletes when they go.
import { describe, expect, it } from 'vitest';
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { deviceClassFor } from '../lib/dra/device-class.ts';
import type { DeviceClass, ResourceClaimTemplate, ResourceSlice } from '../lib/dra/resource-api.ts';
import { planDra, type DraWorld } from './dra-plan.ts';

function configuration(name: string, namespace = 'default', mode: 'DRA' | 'DevicePlugin' | 'absent' = 'DRA', created = '2026-01-01T00:00:00Z'): Configuration {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Configuration',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, creationTimestamp: created as unknown as Date },
    spec: { discoveryHandler: { name: 'debugEcho' }, capacity: 1, ...(mode === 'absent' ? {} : { deviceAllocation: mode }) },
  };
}

function instance(name: string, cfg: string, shared: boolean, nodes: string[]): Instance {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Instance',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { configurationName: cfg, cdiName: `akri.sh/${cfg}=${name.slice(-6)}`, capacity: 1, shared, nodes, brokerProperties: { DEBUG_ECHO_DESCRIPTION: 'foo' }, deviceUsage: {} },
  };
}

const empty: DraWorld = { configurations: [], instances: [], classes: [], slices: [], templates: [] };

describe('planDra', () => {
  it('writes a DeviceClass, the shared Instance slices and a claim template per Instance of a DRA Configuration', () => {
    const plan = planDra({
      ...empty,
      configurations: [configuration('cams'), configuration('plain', 'default', 'absent')],
      instances: [instance('cams-aaaaaa', 'cams', true, ['node-a', 'node-b']), instance('cams-bbbbbb', 'cams', false, ['node-c']), instance('plain-cccccc', 'plain', true, ['node-a'])],
    });
    expect(plan.classes.map((w) => (w.kind === 'applyClass' ? w.deviceClass.metadata.name : `-${w.name}`))).toEqual(['cams']);
    expect(plan.templates.map((w) => (w.kind === 'applyTemplate' ? w.template.metadata.name : `-${w.name}`))).toEqual(['cams-aaaaaa', 'cams-bbbbbb']);
    // Only the shared one: the local Instance's slice is its node agent's to write.
    expect(plan.slices.map((w) => (w.kind === 'apply' ? [w.slice.metadata.name, w.slice.spec.nodeSelector?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values] : w.name))).toEqual([
      ['default.cams-aaaaaa.0', ['node-a', 'node-b']],
    ]);
    expect(plan.conflicts).toEqual([]);
  });

  it('writes nothing more once the API holds what it wrote', () => {
    const world: DraWorld = { ...empty, configurations: [configuration('cams')], instances: [instance('cams-aaaaaa', 'cams', true, ['node-a'])] };
    const first = planDra(world);
    const classes = first.classes.flatMap((w) => (w.kind === 'applyClass' ? [w.deviceClass] : []));
    const templates = first.templates.flatMap((w) => (w.kind === 'applyTemplate' ? [w.template] : []));
    const slices = first.slices.flatMap((w) => (w.kind === 'apply' ? [w.slice] : []));
    const again = planDra({ ...world, classes, templates, slices });
    expect([again.classes, again.templates, again.slices]).toEqual([[], [], []]);
  });

  it('deletes the class, slices and templates of a Configuration that is gone or back to device plugins', () => {
    const world: DraWorld = { ...empty, configurations: [configuration('cams')], instances: [instance('cams-aaaaaa', 'cams', true, ['node-a'])] };
    const first = planDra(world);
    const classes = first.classes.flatMap((w) => (w.kind === 'applyClass' ? [w.deviceClass] : []));
    const templates = first.templates.flatMap((w) => (w.kind === 'applyTemplate' ? [w.template] : []));
    const slices = first.slices.flatMap((w) => (w.kind === 'apply' ? [w.slice] : []));
    const gone = planDra({ ...world, configurations: [configuration('cams', 'default', 'DevicePlugin')], classes, templates, slices });
    expect(gone.classes).toEqual([{ kind: 'deleteClass', name: 'cams', uid: undefined }]);
    expect(gone.templates).toEqual([{ kind: 'deleteTemplate', namespace: 'default', name: 'cams-aaaaaa' }]);
    expect(gone.slices).toEqual([{ kind: 'delete', name: 'default.cams-aaaaaa.0', uid: undefined }]);
  });

  it('gives a DeviceClass name to the older of two Configurations sharing it and leaves a foreign class alone', () => {
    const plan = planDra({ ...empty, configurations: [configuration('cams', 'b', 'DRA', '2026-02-01T00:00:00Z'), configuration('cams', 'a', 'DRA', '2026-03-01T00:00:00Z')] });
    expect(plan.classes).toEqual([{ kind: 'applyClass', deviceClass: deviceClassFor({ namespace: 'b', name: 'cams' }) }]);
    expect(plan.conflicts.map((c) => [c.configuration.metadata.namespace, c.message])).toEqual([['a', expect.stringMatching(/belongs to Configuration b\/cams/)]]);

    const foreign: DeviceClass = { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: { name: 'cams' }, spec: {} };
    const withForeign = planDra({ ...empty, configurations: [configuration('cams')], classes: [foreign] });
    expect(withForeign.classes).toEqual([]);
    expect(withForeign.conflicts[0]?.message).toMatch(/not made by akri-ts/);
  });

  it('moves a shared slice to a new generation when a node leaves the Instance', () => {
    const world: DraWorld = { ...empty, configurations: [configuration('cams')], instances: [instance('cams-aaaaaa', 'cams', true, ['node-a', 'node-b'])] };
    const slices: ResourceSlice[] = planDra(world).slices.flatMap((w) => (w.kind === 'apply' ? [w.slice] : []));
    const templates: ResourceClaimTemplate[] = planDra(world).templates.flatMap((w) => (w.kind === 'applyTemplate' ? [w.template] : []));
    const left = planDra({ ...world, instances: [instance('cams-aaaaaa', 'cams', true, ['node-b'])], slices, templates });
    expect(left.slices).toMatchObject([{ kind: 'apply', slice: { spec: { pool: { generation: 2 }, nodeSelector: { nodeSelectorTerms: [{ matchExpressions: [{ values: ['node-b'] }] }] } } } }]);
    const none = planDra({ ...world, instances: [instance('cams-aaaaaa', 'cams', true, [])], slices, templates });
    expect(none.slices).toMatchObject([{ kind: 'delete', name: 'default.cams-aaaaaa.0' }]);
  });
});
