import { describe, expect, it } from 'vitest';
import { applyPreference, checkAvailability, freeHealthyDevices } from './device-allocation.ts';

describe("the kubelet stand-in's device choice", () => {
  it('offers only healthy devices that no container holds', () => {
    expect(freeHealthyDevices(['a-1', 'a-0', 'a-2'], new Set(['a-1']))).toEqual(['a-0', 'a-2']);
  });

  it('refuses a request larger than what is free, with the kubelet\'s message', () => {
    expect(checkAvailability('akri.sh/x', 2, ['a'])).toEqual({
      ok: false,
      reason: 'requested number of devices unavailable for akri.sh/x. Requested: 2, Available: 1',
    });
    expect(checkAvailability('akri.sh/x', 1, ['a'])).toBeUndefined();
  });

  it("uses the plugin's preference when valid, and fills up from the free devices", () => {
    expect(applyPreference(['a', 'b', 'c'], 2, ['c'])).toEqual(['c', 'a']);
    expect(applyPreference(['a', 'b', 'c'], 1, ['zzz', 'b'])).toEqual(['b']);
    expect(applyPreference(['a', 'b'], 2, undefined)).toEqual(['a', 'b']);
  });
});
