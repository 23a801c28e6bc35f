// The operator's explicit grants for cross-namespace discoveryProperties references.
import { describe, expect, it } from 'vitest';
import { formatNamespaceGrants, mayReference, parseNamespaceGrants } from './reference-policy.ts';

describe('parseNamespaceGrants', () => {
  it('reads "from=to" pairs, * meaning any Configuration namespace', () => {
    expect(parseNamespaceGrants(' cameras=akri-credentials, *=shared ,')).toEqual([
      { from: 'cameras', to: 'akri-credentials' },
      { from: '*', to: 'shared' },
    ]);
    expect(parseNamespaceGrants('')).toEqual([]);
    expect(formatNamespaceGrants([{ from: '*', to: 'shared' }, { from: 'a', to: 'b' }])).toBe('*=shared,a=b');
  });

  it('refuses a grant to every namespace and anything that is not a namespace name, naming the entry', () => {
    for (const bad of ['a=*', 'a', 'a=b=c', 'A=b', 'a=b_c', '=b', `a=${'x'.repeat(64)}`]) {
      expect(parseNamespaceGrants(`ok=fine,${bad}`), bad).toEqual({ error: expect.stringContaining(`"${bad}"`) });
    }
  });
});

describe('mayReference', () => {
  it('allows its own namespace always, another only when granted from there or from *', () => {
    expect(mayReference('a', 'a', [])).toBe(true);
    expect(mayReference('a', 'b', [])).toBe(false);
    expect(mayReference('a', 'b', [{ from: 'a', to: 'b' }])).toBe(true);
    expect(mayReference('b', 'a', [{ from: 'a', to: 'b' }])).toBe(false);
    expect(mayReference('z', 'b', [{ from: '*', to: 'b' }])).toBe(true);
  });
});
