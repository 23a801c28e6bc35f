// The akri.sh CRDs on a real API server: Akri's own Configurations apply unchanged, mistakes
// are refused with a message that names the field, and kubectl shows the columns users expect.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { useTestCluster } from './support/cluster.ts';

const samplesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'akri-samples');
const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.yaml'));

const cluster = useTestCluster('crds');

function configuration(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name }, spec });
}

const validHandler = { name: 'debugEcho', discoveryDetails: 'descriptions: [foo]' };

describe("Akri's sample Configurations", () => {
  it('are all present as fixtures', () => {
    expect(samples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(samples)('%s applies unchanged with kubectl', async (file) => {
    const res = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', join(samplesDir, file)]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const name = (parse(readFileSync(join(samplesDir, file), 'utf8')) as { metadata: { name: string } }).metadata.name;
    expect(res.stdout).toContain(`configuration.akri.sh/${name}`);
    // The server kept the spec as written, with Akri's defaults filled in.
    const stored = (await cluster.custom.getNamespacedCustomObject({
      group: 'akri.sh', version: 'v0', namespace: cluster.namespace, plural: 'configurations', name,
    })) as { spec: { capacity: number; brokerProperties: Record<string, string>; discoveryHandler: { name: string } } };
    expect(stored.spec.capacity).toBeGreaterThanOrEqual(1);
    expect(stored.spec.brokerProperties).toBeTypeOf('object');
    expect(stored.spec.discoveryHandler.name.length).toBeGreaterThan(0);
  });

  it('a Configuration without capacity or brokerProperties gets Akri\'s defaults', async () => {
    const res = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', '-'], configuration('defaults', { discoveryHandler: validHandler }));
    expect(res.code).toBe(0);
    const get = await cluster.kubectl(['get', 'akric', 'defaults', '-n', cluster.namespace, '-o', 'json']);
    const spec = (JSON.parse(get.stdout) as { spec: Record<string, unknown> }).spec;
    expect(spec.capacity).toBe(1);
    expect(spec.brokerProperties).toEqual({});
  });
});

describe('invalid Configurations are refused by the API server, naming the field', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a missing handler name', { discoveryHandler: { discoveryDetails: '' } }, ['spec.discoveryHandler.name', 'Required value']],
    ['an empty handler name', { discoveryHandler: { name: '' } }, ['spec.discoveryHandler.name', 'at least 1 chars']],
    ['no discoveryHandler at all', { capacity: 1 }, ['spec.discoveryHandler', 'Required value']],
    [
      'both broker kinds at once',
      {
        discoveryHandler: validHandler,
        brokerSpec: {
          brokerPodSpec: { containers: [{ name: 'b', image: 'busybox' }] },
          brokerJobSpec: { template: { spec: { containers: [{ name: 'b', image: 'busybox' }] } } },
        },
      },
      ['spec.brokerSpec', 'exactly one of brokerPodSpec or brokerJobSpec'],
    ],
    ['an empty brokerSpec', { discoveryHandler: validHandler, brokerSpec: {} }, ['spec.brokerSpec', 'exactly one of brokerPodSpec or brokerJobSpec']],
    ['a broker Pod spec with no containers', { discoveryHandler: validHandler, brokerSpec: { brokerPodSpec: {} } }, ['spec.brokerSpec.brokerPodSpec.containers', 'Required value']],
    ['capacity 0', { discoveryHandler: validHandler, capacity: 0 }, ['spec.capacity', 'greater than or equal to 1']],
    ['a negative capacity', { discoveryHandler: validHandler, capacity: -3 }, ['spec.capacity', 'greater than or equal to 1']],
    ['a capacity that is not a number', { discoveryHandler: validHandler, capacity: 'two' }, ['spec.capacity', 'integer']],
    [
      'a bad property name',
      { discoveryHandler: { ...validHandler, discoveryProperties: [{ name: 'bad-name!', value: 'x' }] } },
      ['spec.discoveryHandler.discoveryProperties[0].name', 'should match'],
    ],
    [
      'value and valueFrom together',
      {
        discoveryHandler: {
          ...validHandler,
          discoveryProperties: [{ name: 'password', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        },
      },
      ['spec.discoveryHandler.discoveryProperties[0]', 'exactly one of value or valueFrom'],
    ],
    [
      'a property with neither value nor valueFrom',
      { discoveryHandler: { ...validHandler, discoveryProperties: [{ name: 'password' }] } },
      ['spec.discoveryHandler.discoveryProperties[0]', 'exactly one of value or valueFrom'],
    ],
    [
      'a valueFrom naming both a Secret and a ConfigMap',
      {
        discoveryHandler: {
          ...validHandler,
          discoveryProperties: [
            { name: 'password', valueFrom: { secretKeyRef: { name: 's', key: 'k' }, configMapKeyRef: { name: 'c', key: 'k' } } },
          ],
        },
      },
      ['spec.discoveryHandler.discoveryProperties[0].valueFrom', 'exactly one of secretKeyRef or configMapKeyRef'],
    ],
    [
      'a secretKeyRef without a key',
      { discoveryHandler: { ...validHandler, discoveryProperties: [{ name: 'password', valueFrom: { secretKeyRef: { name: 's' } } }] } },
      ['spec.discoveryHandler.discoveryProperties[0].valueFrom.secretKeyRef.key', 'Required value'],
    ],
    [
      'brokerProperties with a non-string value',
      { discoveryHandler: validHandler, brokerProperties: { WIDTH: 800 } },
      ['spec.brokerProperties.WIDTH', 'string'],
    ],
  ];

  it.each(cases)('%s', async (_what, spec, expected) => {
    const res = await cluster.kubectl(['apply', '-n', cluster.namespace, '-f', '-'], configuration('invalid', spec));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('The Configuration "invalid" is invalid');
    for (const text of expected) expect(res.stderr).toContain(text);
  });

  it('an unknown field is refused by kubectl\'s strict field validation', async () => {
    const res = await cluster.kubectl(
      ['apply', '-n', cluster.namespace, '-f', '-'],
      configuration('typo', { discoveryHandler: validHandler, capcity: 2 }),
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('unknown field "spec.capcity"');
  });
});

describe('kubectl shows Configurations and Instances', () => {
  it('`kubectl get akric,akrii` prints handler, capacity, configuration, shared and nodes', async () => {
    const ns = cluster.namespace;
    expect((await cluster.kubectl(['apply', '-n', ns, '-f', '-'], configuration('cams', { discoveryHandler: { name: 'onvif' }, capacity: 3 }))).code).toBe(0);
    const instance = {
      apiVersion: 'akri.sh/v0',
      kind: 'Instance',
      metadata: { name: 'cams-d34504' },
      spec: { configurationName: 'cams', cdiName: 'akri.sh/cams=d34504', capacity: 3, shared: true, nodes: ['node-a', 'node-b'] },
    };
    const applied = await cluster.kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(instance));
    expect(applied.stderr).toBe('');

    const res = await cluster.kubectl(['get', 'akric,akrii', '-n', ns]);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    const configHeader = lines.find((l) => l.startsWith('NAME') && l.includes('HANDLER'));
    expect(configHeader?.split(/\s+/)).toEqual(['NAME', 'HANDLER', 'CAPACITY', 'AGE']);
    expect(lines.find((l) => l.startsWith('configuration.akri.sh/cams'))?.split(/\s+/).slice(0, 3)).toEqual([
      'configuration.akri.sh/cams', 'onvif', '3',
    ]);
    const instanceHeader = lines.find((l) => l.startsWith('NAME') && l.includes('CONFIG'));
    expect(instanceHeader?.split(/\s+/)).toEqual(['NAME', 'CONFIG', 'SHARED', 'NODES', 'AGE']);
    expect(lines.find((l) => l.startsWith('instance.akri.sh/cams-d34504'))?.split(/\s+/).slice(0, 4)).toEqual([
      'instance.akri.sh/cams-d34504', 'cams', 'true', '["node-a","node-b"]',
    ]);
  });

  it('`kubectl get all` includes them (category all)', async () => {
    const res = await cluster.kubectl(['get', 'all', '-n', cluster.namespace]);
    expect(res.stdout).toContain('configuration.akri.sh/cams');
    expect(res.stdout).toContain('instance.akri.sh/cams-d34504');
  });

  it('an Instance keeps nodes as a set and deviceUsage as a map that each writer owns key by key', async () => {
    const ns = cluster.namespace;
    const apply = (manager: string, spec: Record<string, unknown>) =>
      cluster.kubectl(
        ['apply', '--server-side', `--field-manager=${manager}`, '-n', ns, '-f', '-'],
        JSON.stringify({ apiVersion: 'akri.sh/v0', kind: 'Instance', metadata: { name: 'shared-1' }, spec }),
      );
    const base = { configurationName: 'cams', cdiName: 'akri.sh/cams=aaaaaa', capacity: 2, shared: true };
    expect((await apply('node-a', { ...base, nodes: ['node-a'], deviceUsage: { 'shared-1-0': 'node-a' } })).code).toBe(0);
    expect((await apply('node-b', { ...base, nodes: ['node-b'], deviceUsage: { 'shared-1-1': 'node-b' } })).code).toBe(0);
    const got = JSON.parse((await cluster.kubectl(['get', 'akrii', 'shared-1', '-n', ns, '-o', 'json'])).stdout) as {
      spec: { nodes: string[]; deviceUsage: Record<string, string> };
    };
    expect([...got.spec.nodes].sort()).toEqual(['node-a', 'node-b']);
    expect(got.spec.deviceUsage).toEqual({ 'shared-1-0': 'node-a', 'shared-1-1': 'node-b' });
    // node-a drops its own entries; node-b's stay.
    expect((await apply('node-a', { ...base, nodes: [], deviceUsage: {} })).code).toBe(0);
    const after = JSON.parse((await cluster.kubectl(['get', 'akrii', 'shared-1', '-n', ns, '-o', 'json'])).stdout) as typeof got;
    expect(after.spec.nodes).toEqual(['node-b']);
    expect(after.spec.deviceUsage).toEqual({ 'shared-1-1': 'node-b' });
  });
});
