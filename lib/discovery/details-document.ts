// Reads a Configuration's discoveryDetails string (YAML or JSON, as Akri's serde_yaml does)
// into a plain object, and checks the scalar fields we add, naming the field on error.
// Any handler can use it; onvif and opcua do.
import { InvalidDiscoveryDetails } from './handler.ts';
import { readDetailsYaml } from './details-yaml.ts';

export function parseDetailsDocument(details: string, allowEmpty: boolean): Record<string, unknown> {
  if (details.trim() === '') {
    if (allowEmpty) return {};
    throw new InvalidDiscoveryDetails('discoveryDetails is empty');
  }
  const value = readDetailsYaml(details);
  if (value === null || value === undefined) {
    if (allowEmpty) return {};
    throw new InvalidDiscoveryDetails('discoveryDetails is empty');
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidDiscoveryDetails('expected a mapping');
  return value as Record<string, unknown>;
}

export function rejectUnknownFields(record: Record<string, unknown>, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new InvalidDiscoveryDetails(`unknown field (known: ${known.join(', ')})`, `${prefix}${key}`);
    }
  }
}

export function boundedNumber(
  value: unknown,
  field: string,
  bounds: { default: number; min: number; max: number; integer?: boolean },
): number {
  if (value === undefined || value === null) return bounds.default;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidDiscoveryDetails('expected a number', field);
  if (bounds.integer && !Number.isInteger(value)) throw new InvalidDiscoveryDetails('expected an integer', field);
  if (value < bounds.min || value > bounds.max) {
    throw new InvalidDiscoveryDetails(`expected a value from ${bounds.min} to ${bounds.max}, got ${value}`, field);
  }
  return value;
}

export function optionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InvalidDiscoveryDetails('expected true or false', field);
  return value;
}

export function stringList(value: unknown, field: string, fallback: string[], maxItems: number): string[] {
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value)) throw new InvalidDiscoveryDetails('expected a list of strings', field);
  if (value.length > maxItems) throw new InvalidDiscoveryDetails(`at most ${maxItems} entries`, field);
  return value.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new InvalidDiscoveryDetails('expected a non-empty string', `${field}[${i}]`);
    }
    return item.trim();
  });
}
