// JSON with every object's keys sorted, so that an object we planned and the same object as the
// API server returns it (Go writes struct fields in declaration order and map keys sorted)
// compare equal. Arrays keep their order: it means something.
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
