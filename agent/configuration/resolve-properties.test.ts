// discoveryProperties resolution as Akri defines it, plus the optional refs it honours.
import { describe, expect, it } from 'vitest';
import { resolveProperties, type KeyedObject, type ObjectLookup } from './resolve-properties.ts';

const objects: ObjectLookup = (ref): KeyedObject | undefined => {
  if (ref.kind === 'Secret' && ref.namespace === 'default' && ref.name === 'creds') return { data: { user: Buffer.from('admin').toString('base64') } };
  if (ref.kind === 'ConfigMap' && ref.namespace === 'site' && ref.name === 'cfg') return { data: { url: 'opc.tcp://x' } };
  return undefined;
};

describe('resolveProperties', () => {
  it('reads literals, Secrets (default namespace) and ConfigMaps', () => {
    const r = resolveProperties(
      [
        { name: 'A', value: 'lit' },
        { name: 'USER', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
        { name: 'URL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'url', namespace: 'site' } } },
      ],
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
    const r = resolveProperties([{ name: 'P', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } }], objects);
    expect(r).toMatchObject({ ok: true, properties: {} });
  });

  it('names the property and the object when a required reference is missing', () => {
    const r = resolveProperties([{ name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }], objects);
    expect(r).toMatchObject({ ok: false, message: 'discoveryProperties P: Secret default/creds has no key "password"' });
  });
});
