// Turns a Configuration's discoveryProperties into the bytes sent to the handler. Literal
// values are used as they are; secretKeyRef / configMapKeyRef read the named object, in the
// Configuration's own namespace when unset (Akri: "default"). A reference to another namespace
// that no grant allows (reference-policy.ts) refuses the whole Configuration before anything
// is read. A missing optional reference leaves the property out; a missing required one holds
// discovery back with a message naming it.
import type { DiscoveryProperty } from '../../lib/crd/configuration.ts';
import { mayReference, type NamespaceGrant } from './reference-policy.ts';

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

/** Why properties did not resolve: a reference outside the allowed namespaces, or a missing object or key. */
export type UnresolvedReason = 'ReferenceNotAllowed' | 'ReferenceUnresolved';

export type Resolution =
  | { ok: true; properties: Record<string, Buffer | undefined>; refs: ObjectRef[] }
  | { ok: false; reason: UnresolvedReason; message: string; refs: ObjectRef[] };

/** The objects the properties name, with an unset namespace read as the Configuration's own. */
export function referencedObjects(properties: DiscoveryProperty[] | null | undefined, namespace: string): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const p of properties ?? []) {
    const s = p.valueFrom?.secretKeyRef;
    const c = p.valueFrom?.configMapKeyRef;
    if (s) refs.push({ kind: 'Secret', namespace: s.namespace ?? namespace, name: s.name });
    if (c) refs.push({ kind: 'ConfigMap', namespace: c.namespace ?? namespace, name: c.name });
  }
  return refs;
}

/**
 * The refusal for the first reference outside the namespaces this Configuration may read, or
 * undefined when all are allowed. Decided from the spec alone: nothing is read to decide it.
 */
export function refuseForeignReferences(
  properties: DiscoveryProperty[] | null | undefined,
  namespace: string,
  grants: readonly NamespaceGrant[],
): Extract<Resolution, { ok: false }> | undefined {
  for (const p of properties ?? []) {
    const sel = p.valueFrom?.secretKeyRef ?? p.valueFrom?.configMapKeyRef;
    if (!sel) continue;
    const kind = p.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const target = sel.namespace ?? namespace;
    if (mayReference(namespace, target, grants)) continue;
    return {
      ok: false,
      reason: 'ReferenceNotAllowed',
      refs: [],
      message:
        `discoveryProperties ${p.name}: ${kind} ${target}/${sel.name} is not in the Configuration's namespace ${namespace}; ` +
        `not read and nothing sent (the agent's --allow-cross-namespace-references, chart value ` +
        `agent.crossNamespaceReferences, must grant ${namespace}=${target})`,
    };
  }
  return undefined;
}

export function resolveProperties(properties: DiscoveryProperty[] | null | undefined, namespace: string, lookup: ObjectLookup): Resolution {
  const refs = referencedObjects(properties, namespace);
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
    const target = sel.namespace ?? namespace;
    const obj = lookup({ kind, namespace: target, name: sel.name });
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
    return { ok: false, reason: 'ReferenceUnresolved', refs, message: `discoveryProperties ${p.name}: ${kind} ${target}/${sel.name} ${what}` };
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
