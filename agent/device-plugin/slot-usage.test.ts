// The slot vocabulary of Instance.spec.deviceUsage, exactly as Akri writes it.
import { describe, expect, it } from 'vitest';
import { formatHolder, parseHolder, slotIds, slotIndex } from './slot-usage.ts';

describe('deviceUsage values, as Akri writes them', () => {
  it('parses free, instance-held and configuration-held slots, and writes them back unchanged', () => {
    for (const value of ['', 'node-a', 'C:cams-0:node-b']) expect(formatHolder(parseHolder(value) as never)).toBe(value);
    expect(parseHolder('C:cams-3:node-b')).toEqual({ kind: 'configuration', virtualDevice: 'cams-3', node: 'node-b' });
    expect(parseHolder(undefined)).toEqual({ kind: 'free' });
  });

  it('rejects malformed values instead of guessing', () => {
    expect(parseHolder('C::node')).toEqual({ kind: 'invalid', value: 'C::node' });
    expect(parseHolder('a:b')).toEqual({ kind: 'invalid', value: 'a:b' });
  });

  it('names slots <instance>-<n> and recognises only its own, below capacity', () => {
    expect(slotIds('cams-d34504', 3)).toEqual(['cams-d34504-0', 'cams-d34504-1', 'cams-d34504-2']);
    expect(slotIndex('cams-d34504', 'cams-d34504-2', 3)).toBe(2);
    expect(slotIndex('cams-d34504', 'cams-d34504-3', 3)).toBeUndefined();
    expect(slotIndex('cams-d34504', 'cams-d34504-x', 3)).toBeUndefined();
    expect(slotIndex('cams-d34504', 'other-0', 3)).toBeUndefined();
  });
});
