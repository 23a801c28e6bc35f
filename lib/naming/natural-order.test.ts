import { describe, expect, it } from 'vitest';
import { naturalCompare } from './natural-order.ts';

const sorted = (xs: string[]): string[] => [...xs].sort(naturalCompare);

describe('naturalCompare', () => {
  it('puts cam-2 before cam-10, and slot 9 of an Instance before slot 10', () => {
    expect(sorted(['cam-10', 'cam-2', 'cam-1'])).toEqual(['cam-1', 'cam-2', 'cam-10']);
    expect(sorted(['udev-ab12cd-10', 'udev-ab12cd-9', 'udev-ab12cd-0'])).toEqual(['udev-ab12cd-0', 'udev-ab12cd-9', 'udev-ab12cd-10']);
  });

  it('is a total order: numbers equal but spelt differently, prefixes, and the same string', () => {
    expect(sorted(['cam-1', 'cam-01', 'cam'])).toEqual(['cam', 'cam-01', 'cam-1']);
    expect(naturalCompare('cam-1', 'cam-1')).toBe(0);
    expect(Math.sign(naturalCompare('a', 'b'))).toBe(-1);
    expect(Math.sign(naturalCompare('b', 'a'))).toBe(1);
  });

  it('orders Kubernetes names exactly as ICU does with numeric collation', () => {
    // ICU is the oracle here only: the agent does not load its collation data.
    const icu = new Intl.Collator('en', { numeric: true });
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = 'abcxyz0123456789-.';
    const names = Array.from({ length: 2000 }, () => Array.from({ length: 1 + next(12) }, () => alphabet[next(alphabet.length)]).join(''));
    for (let k = 0; k + 1 < names.length; k += 2) {
      const [a = '', b = ''] = [names[k], names[k + 1]];
      // ICU's tertiary tie-break on leading zeros aside, the two agree on the sign.
      if (/(^|\D)0\d/.test(a + ' ' + b)) continue;
      expect([a, b, Math.sign(naturalCompare(a, b))]).toEqual([a, b, Math.sign(icu.compare(a, b))]);
    }
  });
});
