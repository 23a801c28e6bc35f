// Device attributes as a user selects them with CEL: every property that fits is there under its
// own name, and what does not fit is renamed or left out, as the report says.
import { describe, expect, it } from 'vitest';
import { attributeName, describeReport, deviceAttributes, nameAttributeValue, withSlot } from './device-attributes.ts';

const base = { namespace: 'default', configuration: 'akri-udev', instance: 'akri-udev-ce4650', shared: false };

describe('device attributes', () => {
  it('carry the fixed attributes and every property, as strings, under the same names', () => {
    const { common, report } = deviceAttributes({ ...base, properties: { UDEV_DEVNODE: '/dev/null', UDEV_DEVPATH: '/devices/virtual/mem/null' } });
    expect(withSlot(common, 1)).toEqual({
      configuration: { string: 'akri-udev' },
      namespace: { string: 'default' },
      instance: { string: 'akri-udev-ce4650' },
      shared: { bool: false },
      slot: { int: 1 },
      UDEV_DEVNODE: { string: '/dev/null' },
      UDEV_DEVPATH: { string: '/devices/virtual/mem/null' },
    });
    expect(report).toEqual({ renamed: [], omitted: [] });
    expect(describeReport(report)).toBeUndefined();
  });

  it('rename a property that is not a C identifier or is over 32 characters, deterministically', () => {
    expect(attributeName('service-uuid')).toBe('service_uuid');
    expect(attributeName('1st')).toBe('_1st');
    const long = 'ONVIF_DEVICE_SERVICE_URL_FOR_THE_SECOND_PROFILE';
    const renamed = attributeName(long);
    expect(renamed).toHaveLength(32);
    expect(renamed.startsWith(long.slice(0, 25) + '_')).toBe(true);
    expect(attributeName(long)).toBe(renamed);
    expect(attributeName(`${long}X`)).not.toBe(renamed);
    const { common, report } = deviceAttributes({ ...base, properties: { [long]: 'v' } });
    expect(common[renamed]).toEqual({ string: 'v' });
    expect(report.renamed).toEqual([{ property: long, attribute: renamed }]);
  });

  it('leave out a value over 64 characters, a clash with a fixed name, and properties past 32 attributes', () => {
    const properties: Record<string, string> = { LONG: 'x'.repeat(65), slot: '7', FITS: 'y'.repeat(64) };
    for (let i = 0; i < 40; i++) properties[`P${String(i).padStart(2, '0')}`] = `${i}`;
    const { common, report } = deviceAttributes({ ...base, properties });
    expect(Object.keys(withSlot(common, 0))).toHaveLength(32);
    expect(common.FITS).toEqual({ string: 'y'.repeat(64) });
    expect(common.LONG).toBeUndefined();
    expect(report.omitted.map((o) => o.property)).toEqual(['LONG', ...Array.from({ length: 14 }, (_, i) => `P${26 + i}`), 'slot']);
    expect(describeReport(report)).toMatch(/left out: LONG \(its value has 65 characters \(at most 64\)\)/);
  });

  it('shorten a Configuration or Instance name over 64 characters the same way everywhere', () => {
    const name = `c${'x'.repeat(70)}`;
    expect(nameAttributeValue(name)).toHaveLength(64);
    const { common } = deviceAttributes({ ...base, configuration: name, properties: {} });
    expect(common.configuration).toEqual({ string: nameAttributeValue(name) });
    expect(nameAttributeValue('short')).toBe('short');
  });
});
