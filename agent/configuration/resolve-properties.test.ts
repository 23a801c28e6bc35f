// discoveryProperties resolution as Akri defines it, plus the optional refs it honours, and
// where we depart: an unset namespace is the Configuration's own, and other namespaces are
// refused unless granted.
import { describe, expect, it } from 'vitest';
import type { DiscoveryProperty } from '../../lib/crd/configuration.ts';
import { refuseForeignReferences, resolveProperties, type KeyedObject, type ObjectLookup } from './resolve-properties.ts';

const objects: ObjectLookup = (ref): KeyedObject | undefined => {
  if (ref.kind === 'Secret' && ref.namespace === 'default' && ref.name === 'creds') return { data: { user: Buffer.from('admin').toString('base64') } };
  if (ref.kind === 'ConfigMap' && ref.namespace === 'site' && ref.name === 'cfg') return { data: { url: 'opc.tcp://x' } };
  return undefined;
};

describe('resolveProperties', () => {
  it("reads literals, Secrets (the Configuration's namespace when unset) and ConfigMaps", () => {
    const r = resolveProperties(
      [
        { name: 'A', value: 'lit' },
        { name: 'USER', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
        { name: 'URL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'url', namespace: 'site' } } },
      ],
      'default',
      objects,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.properties.A?.toString()).toBe('lit');
    expect(r.properties.USER?.toString()).toBe('admin');
    expect(r.properties.URL?.toString()).toBe('opc.tcp://x');
    expect(r.refs).toEqual([
      { kind: 'Secret', namespace: 'default', name: 'creds' },
      { kind: 'ConfigMap', namespace: 'site', name: 'cfg' },
    ]);
  });

  it('leaves out a missing optional reference', () => {
    const r = resolveProperties([{ name: 'P', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } }], 'default', objects);
    expect(r).toMatchObject({ ok: true, properties: {} });
  });

  it('names the property and the object when a required reference is missing', () => {
    const r = resolveProperties([{ name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }], 'default', objects);
    expect(r).toMatchObject({ ok: false, reason: 'ReferenceUnresolved', message: 'discoveryProperties P: Secret default/creds has no key "password"' });
  });

  it('looks an unset namespace up in the Configuration\'s namespace, never in "default"', () => {
    const seen: string[] = [];
    const r = resolveProperties([{ name: 'U', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }], 'tenant-a', (ref) => {
      seen.push(`${ref.namespace}/${ref.name}`);
      return objects(ref);
    });
    expect(seen).toEqual(['tenant-a/creds']);
    expect(r).toMatchObject({ ok: false, message: 'discoveryProperties U: Secret tenant-a/creds does not exist' });
  });
});

describe('refuseForeignReferences', () => {
  const secret = (name: string, namespace?: string, optional?: boolean): DiscoveryProperty => ({
    name: `P_${name}`,
    valueFrom: { secretKeyRef: { name, key: 'k', ...(namespace ? { namespace } : {}), ...(optional ? { optional } : {}) } },
  });

  it('refuses a Secret of another namespace, naming the property, the reference and the grant that would allow it', () => {
    const r = refuseForeignReferences([{ name: 'LIT', value: 'x' }, secret('creds', 'tenant-b')], 'tenant-a', []);
    expect(r).toEqual({
      ok: false,
      reason: 'ReferenceNotAllowed',
      refs: [],
      message:
        "discoveryProperties P_creds: Secret tenant-b/creds is not in the Configuration's namespace tenant-a; not read and nothing sent " +
        '(the agent\'s --allow-cross-namespace-references, chart value agent.crossNamespaceReferences, must grant tenant-a=tenant-b)',
    });
  });

  it('refuses optional references and ConfigMaps alike', () => {
    expect(refuseForeignReferences([secret('c', 'b', true)], 'a', [])?.reason).toBe('ReferenceNotAllowed');
    const cm: DiscoveryProperty = { name: 'C', valueFrom: { configMapKeyRef: { name: 'm', key: 'k', namespace: 'b' } } };
    expect(refuseForeignReferences([cm], 'a', [])?.message).toContain('ConfigMap b/m');
  });

  it('allows its own namespace, set or unset, and exactly what a grant names', () => {
    expect(refuseForeignReferences([secret('c'), secret('d', 'a')], 'a', [])).toBeUndefined();
    expect(refuseForeignReferences([secret('c', 'b')], 'a', [{ from: 'a', to: 'b' }])).toBeUndefined();
    expect(refuseForeignReferences([secret('c', 'b')], 'a', [{ from: '*', to: 'b' }])).toBeUndefined();
    expect(refuseForeignReferences([secret('c', 'b')], 'x', [{ from: 'a', to: 'b' }])).toBeDefined();
    expect(refuseForeignReferences([secret('c', 'c')], 'a', [{ from: 'a', to: 'b' }])).toBeDefined();
  });

  it('refuses every generated Configuration that names any namespace but its own, and no other', () => {
    const namespaces = ['a', 'b', 'c', 'default', 'kube-system'];
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return xs[seed % xs.length] as T;
    };
    for (let n = 0; n < 500; n++) {
      const own = pick(namespaces);
      const props = Array.from({ length: 1 + (n % 4) }, (_, i) => secret(`s${i}`, pick([...namespaces, undefined])));
      const foreign = props.some((p) => (p.valueFrom?.secretKeyRef?.namespace ?? own) !== own);
      expect(refuseForeignReferences(props, own, []) !== undefined, JSON.stringify({ own, props })).toBe(foreign);
    }
  });
});
