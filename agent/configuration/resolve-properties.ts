// Turns a Configuration's discoveryProperties into the bytes sent to the handler. Literal
// values are used as they are; secretKeyRef / configMapKeyRef read the named object (namespace
// "default" when unset, as Akri does). A missing optional reference leaves the property out;
// a missing required one holds discovery back with a message naming it.
import type { DiscoveryProperty } from '../../lib/crd/configuration.ts';

export interface ObjectRef {
  kind: 'Secret' | 'ConfigMap';
  namespace: string;
  name: string;
}

export interface KeyedObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export type ObjectLookup = (ref: ObjectRef) => KeyedObject | undefined;

export type Resolution =
  | { ok: true; properties: Record<string, Buffer | undefined>; refs: ObjectRef[] }
  | { ok: false; message: string; refs: ObjectRef[] };

export function referencedObjects(properties: DiscoveryProperty[] | null | undefined): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const p of properties ?? []) {
    const s = p.valueFrom?.secretKeyRef;
    const c = p.valueFrom?.configMapKeyRef;
    if (s) refs.push({ kind: 'Secret', namespace: s.namespace ?? 'default', name: s.name });
    if (c) refs.push({ kind: 'ConfigMap', namespace: c.namespace ?? 'default', name: c.name });
  }
  return refs;
}

export function resolveProperties(properties: DiscoveryProperty[] | null | undefined, lookup: ObjectLookup): Resolution {
  const refs = referencedObjects(properties);
  const out: Record<string, Buffer | undefined> = {};
  for (const p of properties ?? []) {
    if (p.value !== undefined && p.value !== null) {
      out[p.name] = Buffer.from(p.value, 'utf8');
      continue;
    }
    const sel = p.valueFrom?.secretKeyRef ?? p.valueFrom?.configMapKeyRef;
    if (!sel) {
      out[p.name] = undefined; // Akri sends a ByteData with no value
      continue;
    }
    const kind = p.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const namespace = sel.namespace ?? 'default';
    const obj = lookup({ kind, namespace, name: sel.name });
    // Secrets hold base64 in data; ConfigMaps hold text in data and base64 in binaryData.
    const raw =
      kind === 'Secret'
        ? obj?.data?.[sel.key] !== undefined ? Buffer.from(obj.data[sel.key] ?? '', 'base64') : undefined
        : obj?.data?.[sel.key] !== undefined
          ? Buffer.from(obj.data[sel.key] ?? '', 'utf8')
          : obj?.binaryData?.[sel.key] !== undefined ? Buffer.from(obj.binaryData[sel.key] ?? '', 'base64') : undefined;
    if (raw !== undefined) {
      out[p.name] = raw;
      continue;
    }
    if (sel.optional) continue;
    const what = obj ? `has no key "${sel.key}"` : 'does not exist';
    return { ok: false, refs, message: `discoveryProperties ${p.name}: ${kind} ${namespace}/${sel.name} ${what}` };
  }
  return { ok: true, properties: out, refs };
}

/** A stable fingerprint of what a Discover request carries, to know when to restart it. */
export function requestFingerprint(handler: string, details: string, properties: Record<string, Buffer | undefined>): string {
  const props = Object.keys(properties)
    .sort()
    .map((k) => [k, properties[k]?.toString('base64') ?? null]);
  return JSON.stringify([handler, details, props]);
}
