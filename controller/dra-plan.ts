// Pure: what the controller writes for Dynamic Resource Allocation, from its caches. For every
// Configuration in DRA mode: its DeviceClass (named after it; when two namespaces use one name,
// the older Configuration has it and the other is reported), the ResourceSlices of its shared
// Instances (node selector = exactly the Instance's nodes; the controller is their one writer)
// and a ResourceClaimTemplate per Instance for its brokers. What no longer has a DRA
// Configuration behind it is deleted: classes and slices are cluster-scoped, so no owner
// reference can do it.
import type { Configuration } from '../lib/crd/configuration.ts';
import { deviceAllocationOf } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { brokerClaimTemplate } from '../lib/dra/broker-claim.ts';
import { canonicalJson } from '../lib/dra/canonical-json.ts';
import { describeReport } from '../lib/dra/device-attributes.ts';
import { deviceClassFor, isClassOf } from '../lib/dra/device-class.ts';
import { CONFIGURATION_NAME_LABEL, CONFIGURATION_NAMESPACE_LABEL, CONTROLLER_WRITER, MANAGED_BY, MANAGED_BY_LABEL } from '../lib/dra/driver.ts';
import type { DeviceClass, ResourceClaimTemplate, ResourceSlice } from '../lib/dra/resource-api.ts';
import { instanceSlices, planSliceWrites, type SliceWrite } from '../lib/dra/slice-plan.ts';
import { controllerOwner } from './owner-reference.ts';

export interface DraWorld {
  configurations: readonly Configuration[];
  instances: readonly Instance[];
  /** Every DeviceClass in the cluster (ours are told apart by label). */
  classes: readonly DeviceClass[];
  /** The ResourceSlices the controller wrote (writer label `controller`). */
  slices: readonly ResourceSlice[];
  /** The ResourceClaimTemplates akri-ts wrote (managed-by label). */
  templates: readonly ResourceClaimTemplate[];
  /** A node's kubernetes.io/hostname label, which shared slices select nodes by. */
  hostnameOf?: (node: string) => string | undefined;
}

export type ClassWrite = { kind: 'applyClass'; deviceClass: DeviceClass } | { kind: 'deleteClass'; name: string; uid?: string };
export type TemplateWrite = { kind: 'applyTemplate'; template: ResourceClaimTemplate } | { kind: 'deleteTemplate'; namespace: string; name: string };

export interface DraPlan {
  classes: ClassWrite[];
  slices: SliceWrite[];
  templates: TemplateWrite[];
  /** Configurations that cannot have their DeviceClass, and why (a Warning Event each). */
  conflicts: Array<{ configuration: Configuration; message: string }>;
  /** Shared Instances whose properties did not all become attributes (an Event each). */
  attributeReports: Array<{ instance: Instance; message: string }>;
}

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

function sameClass(a: DeviceClass, b: DeviceClass): boolean {
  return canonicalJson([a.spec, a.metadata.labels ?? {}]) === canonicalJson([b.spec, b.metadata.labels ?? {}]);
}

function sameTemplate(a: ResourceClaimTemplate, b: ResourceClaimTemplate): boolean {
  const owners = (t: ResourceClaimTemplate) => (t.metadata.ownerReferences ?? []).map((o) => o.uid);
  return canonicalJson([a.spec, a.metadata.labels ?? {}, owners(a)]) === canonicalJson([b.spec, b.metadata.labels ?? {}, owners(b)]);
}

export function planDra(world: DraWorld): DraPlan {
  const plan: DraPlan = { classes: [], slices: [], templates: [], conflicts: [], attributeReports: [] };
  const dra = world.configurations.filter((c) => deviceAllocationOf(c.spec) === 'DRA' && !c.metadata.deletionTimestamp);
  const draByKey = new Map(dra.map((c) => [key(c.metadata.namespace, c.metadata.name), c]));

  // DeviceClasses: one name, one owner; the oldest Configuration of a name has it.
  const classByName = new Map(world.classes.map((c) => [c.metadata.name, c]));
  const byName = new Map<string, Configuration[]>();
  for (const c of dra) byName.set(c.metadata.name ?? '', [...(byName.get(c.metadata.name ?? '') ?? []), c]);
  const wantedClasses = new Set<string>();
  for (const [name, candidates] of byName) {
    const sorted = [...candidates].sort(
      (a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? ''),
    );
    const owner = sorted[0] as Configuration;
    for (const other of sorted.slice(1)) {
      plan.conflicts.push({ configuration: other, message: `DeviceClass ${name} belongs to Configuration ${owner.metadata.namespace}/${name}: a DeviceClass is cluster-wide, so this one has none (rename it to get one)` });
    }
    const ref = { namespace: owner.metadata.namespace ?? '', name };
    const existing = classByName.get(name);
    if (existing && !isClassOf(existing, ref) && existing.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) {
      plan.conflicts.push({ configuration: owner, message: `a DeviceClass named ${name} exists and was not made by akri-ts; it is left as it is` });
      continue;
    }
    wantedClasses.add(name);
    const wanted = deviceClassFor(ref);
    if (!existing || !sameClass(existing, wanted)) plan.classes.push({ kind: 'applyClass', deviceClass: wanted });
  }
  for (const c of world.classes) {
    const ours = c.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY && c.metadata.labels?.[CONFIGURATION_NAMESPACE_LABEL] !== undefined;
    if (ours && !wantedClasses.has(c.metadata.name)) plan.classes.push({ kind: 'deleteClass', name: c.metadata.name, uid: c.metadata.uid });
  }

  // Shared Instances' slices, and every DRA Instance's claim template.
  const desiredSlices: ResourceSlice[] = [];
  const templatesByKey = new Map(world.templates.map((t) => [key(t.metadata.namespace, t.metadata.name), t]));
  const wantedTemplates = new Set<string>();
  for (const i of world.instances) {
    const ns = i.metadata.namespace ?? '';
    const name = i.metadata.name ?? '';
    if (!draByKey.has(key(ns, i.spec.configurationName)) || i.metadata.deletionTimestamp) continue;
    const template = brokerClaimTemplate({ namespace: ns, name, configuration: i.spec.configurationName, owner: controllerOwner('Instance', i.metadata) });
    wantedTemplates.add(key(ns, template.metadata.name));
    const existing = templatesByKey.get(key(ns, template.metadata.name));
    if (!existing || !sameTemplate(existing, template)) plan.templates.push({ kind: 'applyTemplate', template });
    const nodes = i.spec.nodes ?? [];
    if (!i.spec.shared || nodes.length === 0) continue;
    const planned = instanceSlices(
      { namespace: ns, name, configuration: i.spec.configurationName, capacity: i.spec.capacity, shared: true, nodes, properties: i.spec.brokerProperties ?? {} },
      { nodes, hostnameOf: world.hostnameOf },
      CONTROLLER_WRITER,
    );
    desiredSlices.push(...planned.slices);
    const message = describeReport(planned.report);
    if (message) plan.attributeReports.push({ instance: i, message });
  }
  for (const t of world.templates) {
    const k = key(t.metadata.namespace, t.metadata.name);
    if (!wantedTemplates.has(k) && t.metadata.labels?.[CONFIGURATION_NAME_LABEL] !== undefined) plan.templates.push({ kind: 'deleteTemplate', namespace: t.metadata.namespace, name: t.metadata.name });
  }
  plan.slices = planSliceWrites(desiredSlices, world.slices);
  return plan;
}
