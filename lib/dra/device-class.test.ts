import { describe, expect, it } from 'vitest';
import { deviceClassFor, isClassOf } from './device-class.ts';

describe('deviceClassFor', () => {
  it('is named after the Configuration and selects the driver and the Configuration by attribute', () => {
    const c = deviceClassFor({ namespace: 'factory', name: 'cams' });
    expect(c.metadata.name).toBe('cams');
    expect(c.spec.selectors).toEqual([
      { cel: { expression: 'device.driver == "akri.sh" && device.attributes["akri.sh"].namespace == "factory" && device.attributes["akri.sh"].configuration == "cams"' } },
    ]);
    expect(isClassOf(c, { namespace: 'factory', name: 'cams' })).toBe(true);
    expect(isClassOf(c, { namespace: 'other', name: 'cams' })).toBe(false);
  });
});
