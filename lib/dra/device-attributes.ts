// Pure: an Instance's properties as DRA device attributes, within the API's limits. Every
// attribute is in the driver's domain, so CEL reads it as `device.attributes["akri.sh"].<name>`.
// Fixed attributes come first: `configuration`, `namespace`, `instance` (strings; a name over 64
// characters is shortened as bounded-name.ts does, the same way the DeviceClass and the broker
// claims compute it), `slot` (int) and `shared` (bool). Each property then becomes a string
// attribute of the same name, where the API allows:
// - a name must be a C identifier of at most 32 characters: other characters become `_`, a
//   leading digit gets a `_` in front, and a longer name keeps 25 characters + `_` + six hex
//   digits of its hash (renamed);
// - a value may have at most 64 characters: a longer one is left out (a prefix would match
//   wrongly), as is a property whose name is taken by a fixed attribute or by an earlier one;
// - at most 32 attributes per device: properties past that, in name order, are left out.
// The report says what was renamed or left out; the Instance keeps every property as it is.
import { bounded, shortHash } from './bounded-name.ts';
import type { DeviceAttribute } from './resource-api.ts';

export const MAX_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_NAME = 32;
export const MAX_ATTRIBUTE_VALUE = 64;

export interface AttributeSource {
  namespace: string;
  configuration: string;
  instance: string;
  shared: boolean;
  /** Instance.spec.brokerProperties: the device's properties with the Configuration's on top. */
  properties: Readonly<Record<string, string>>;
}

export interface AttributeReport {
  renamed: Array<{ property: string; attribute: string }>;
  omitted: Array<{ property: string; reason: string }>;
}

export interface DeviceAttributes {
  /** Without `slot`, which differs per device: see withSlot(). */
  common: Record<string, DeviceAttribute>;
  report: AttributeReport;
}

const FIXED = ['configuration', 'namespace', 'instance', 'slot', 'shared'] as const;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The attribute value that identifies a Configuration or an Instance by name. */
export function nameAttributeValue(name: string): string {
  return bounded(name, MAX_ATTRIBUTE_VALUE);
}

export function attributeName(property: string): string {
  let name = property.replace(/[^A-Za-z0-9_]/g, '_');
  if (!C_IDENTIFIER.test(name)) name = `_${name}`;
  if (name.length > MAX_ATTRIBUTE_NAME) name = `${name.slice(0, MAX_ATTRIBUTE_NAME - 7)}_${shortHash(property)}`;
  return name;
}

export function deviceAttributes(src: AttributeSource): DeviceAttributes {
  const common: Record<string, DeviceAttribute> = {
    configuration: { string: nameAttributeValue(src.configuration) },
    namespace: { string: src.namespace },
    instance: { string: nameAttributeValue(src.instance) },
    shared: { bool: src.shared },
  };
  const report: AttributeReport = { renamed: [], omitted: [] };
  const taken = new Set<string>(FIXED);
  let count = FIXED.length;
  for (const property of Object.keys(src.properties).sort()) {
    const value = src.properties[property] ?? '';
    const name = attributeName(property);
    if (taken.has(name)) {
      report.omitted.push({ property, reason: `its attribute name ${name} is already taken` });
      continue;
    }
    if (value.length > MAX_ATTRIBUTE_VALUE) {
      report.omitted.push({ property, reason: `its value has ${value.length} characters (at most ${MAX_ATTRIBUTE_VALUE})` });
      continue;
    }
    if (count >= MAX_ATTRIBUTES) {
      report.omitted.push({ property, reason: `a device has at most ${MAX_ATTRIBUTES} attributes` });
      continue;
    }
    if (name !== property) report.renamed.push({ property, attribute: name });
    common[name] = { string: value };
    taken.add(name);
    count++;
  }
  return { common, report };
}

/** The attributes of one slot's device. */
export function withSlot(common: Readonly<Record<string, DeviceAttribute>>, slot: number): Record<string, DeviceAttribute> {
  return { ...common, slot: { int: slot } };
}

/** One line for an Event, or undefined when every property became an attribute as it is. */
export function describeReport(report: AttributeReport): string | undefined {
  if (report.renamed.length === 0 && report.omitted.length === 0) return undefined;
  const parts: string[] = [];
  if (report.renamed.length) parts.push(`renamed: ${report.renamed.map((r) => `${r.property} -> ${r.attribute}`).join(', ')}`);
  if (report.omitted.length) parts.push(`left out: ${report.omitted.map((o) => `${o.property} (${o.reason})`).join(', ')}`);
  return `device attributes differ from the Instance's properties; ${parts.join('; ')}`;
}
