// Evaluates the CEL rules our CRD schemas declare, offline. The rules all have one shape,
// `has(self.a) != has(self.b)` ("exactly one of a or b"), so this reads that shape from the
// rule text itself: the schema stays the single source and a new rule shape fails loudly here
// (a test renders every rule in the CRDs through this function) instead of passing silently.
const EXACTLY_ONE = /^has\(self\.([A-Za-z_][A-Za-z0-9_]*)\) != has\(self\.([A-Za-z_][A-Za-z0-9_]*)\)$/;

export class UnsupportedCelRule extends Error {}

export function evaluateCelRule(rule: string, self: unknown): boolean {
  const match = EXACTLY_ONE.exec(rule.trim());
  if (!match) throw new UnsupportedCelRule(`akri-ts validate cannot evaluate the CEL rule "${rule}" offline`);
  const record = typeof self === 'object' && self !== null ? (self as Record<string, unknown>) : {};
  // CEL's has() is false for an absent field; a field set to null is pruned by the API server first.
  const has = (field: string) => record[field] !== undefined && record[field] !== null;
  return has(match[1] as string) !== has(match[2] as string);
}
