// Akri's FilterList ({items, action: Include|Exclude}), the filter shape Akri's handlers share
// (onvif uuids/ipAddresses/macAddresses/scopes, opcua applicationNames); any handler may use it.
import { InvalidDiscoveryDetails } from './handler.ts';

export type FilterAction = 'Include' | 'Exclude';

export interface FilterList {
  items: string[];
  action: FilterAction;
}

/** Parses one optional FilterList field; `field` names it in errors (e.g. "scopes"). */
export function parseFilterList(value: unknown, field: string): FilterList | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidDiscoveryDetails('expected an object {items: [string], action: Include|Exclude}', field);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'items' && key !== 'action') throw new InvalidDiscoveryDetails('unknown field', `${field}.${key}`);
  }
  // Akri's serde struct has no default for items, so a missing list is an error there too.
  const items = record.items;
  if (!Array.isArray(items)) throw new InvalidDiscoveryDetails('expected a list of strings', `${field}.items`);
  items.forEach((item, i) => {
    if (typeof item !== 'string') throw new InvalidDiscoveryDetails('expected a string', `${field}.items[${i}]`);
  });
  const action = record.action ?? 'Include';
  if (action !== 'Include' && action !== 'Exclude') {
    throw new InvalidDiscoveryDetails(`expected "Include" or "Exclude", got ${JSON.stringify(action)}`, `${field}.action`);
  }
  return { items: items as string[], action };
}

/**
 * Akri's should_include: no filter includes everything; Include keeps only listed items (an
 * empty Include list keeps nothing); Exclude drops listed items.
 */
export function shouldInclude(filter: FilterList | undefined, item: string, caseInsensitive = false): boolean {
  if (filter === undefined) return true;
  const norm = (s: string): string => (caseInsensitive ? s.toLowerCase() : s);
  const listed = filter.items.some((candidate) => norm(candidate) === norm(item));
  return filter.action === 'Include' ? listed : !listed;
}

/**
 * Akri onvif's execute_filter for a value that may be unknown (the IP/MAC query failed): with
 * a filter set, an unknown value is dropped, except that an empty Exclude list keeps all.
 * Comparison is case-insensitive, as Akri does for IPs and MACs.
 */
export function passesFilterOnValue(filter: FilterList | undefined, value: string | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.items.length === 0 && filter.action === 'Exclude') return true;
  if (value === undefined) return false;
  return shouldInclude(filter, value, true);
}
