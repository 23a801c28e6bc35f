// Include/Exclude filters on vendor name, product code and unit id, in Akri's filter shape
// ({action, items}, exact matches). A device identified only by a probe read has no vendor or
// product: an Include list on those fields therefore drops it, an Exclude list keeps it.
import type { ModbusDiscoveryDetails } from './details.ts';
import type { UnitIdentity } from './identify.ts';

function passes<T>(filter: { action: 'Include' | 'Exclude'; items: T[] } | undefined, value: T | undefined): boolean {
  if (!filter) return true;
  const listed = value !== undefined && filter.items.includes(value);
  return filter.action === 'Include' ? listed : !listed;
}

function known(value: string): string | undefined {
  return value === '' ? undefined : value;
}

export function acceptsUnit(filters: ModbusDiscoveryDetails['filters'], unitId: number): boolean {
  return passes<number>(filters.unitIds, unitId);
}

export function acceptsDevice(filters: ModbusDiscoveryDetails['filters'], unitId: number, identity: UnitIdentity): boolean {
  return (
    acceptsUnit(filters, unitId) &&
    passes<string>(filters.vendorNames, known(identity.vendorName)) &&
    passes<string>(filters.productCodes, known(identity.productCode))
  );
}
