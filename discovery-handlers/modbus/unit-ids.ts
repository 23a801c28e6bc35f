// Unit-id lists as users write them: numbers and "first-last" ranges, e.g. [1, "10-20"].

export class UnitIdError extends Error {}

export function parseUnitIds(value: unknown, min: number, max: number): number[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const ids = new Set<number>();
  for (const item of items) {
    let first: number;
    let last: number;
    if (typeof item === 'number' && Number.isInteger(item)) {
      first = last = item;
    } else if (typeof item === 'string' && /^\s*\d+\s*(-\s*\d+\s*)?$/.test(item)) {
      const [a, b] = item.split('-').map((s) => Number(s.trim()));
      first = a ?? 0;
      last = b ?? first;
    } else {
      throw new UnitIdError(`${JSON.stringify(item)} is not a unit id or a range like "1-10"`);
    }
    if (first > last) throw new UnitIdError(`range ${first}-${last} runs backwards`);
    if (first < min || last > max) throw new UnitIdError(`unit ids must lie in ${min}-${max}, got ${first}-${last}`);
    for (let id = first; id <= last; id++) ids.add(id);
  }
  if (ids.size === 0) throw new UnitIdError('needs at least one unit id');
  return [...ids].sort((x, y) => x - y);
}
