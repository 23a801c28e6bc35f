// Camera credentials from discoveryProperties in each of Akri's formats, with its precedence.
import { describe, expect, it } from 'vitest';
import { CredentialStore } from './credential-store.ts';

const bytes = (o: Record<string, string>): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));

const A = '5f5a69c2-e0ae-504f-829b-00fcdab169cc';
const B = '6a67158b-42b1-400b-8afe-1bec9a5d7909';
const C = '7a21dc67-8438-5588-1547-4d1349048438';

describe('camera credential store', () => {
  it('reads username_<uuid with _>/password_<...> and falls back to the default pair', () => {
    const store = new CredentialStore(
      bytes({ [`username_${A.replaceAll('-', '_')}`]: 'ua', [`password_${A.replaceAll('-', '_')}`]: 'pa', username_default: 'ud', password_default: 'pd' }),
    );
    expect(store.get(A)).toEqual({ username: 'ua', password: 'pa' });
    expect(store.get(B)).toEqual({ username: 'ud', password: 'pd' });
  });

  it('reads device_credential_list entries, decoding base64 passwords', () => {
    const store = new CredentialStore(
      bytes({
        device_credential_list: '["list1", "list2"]',
        list1: JSON.stringify({ [A]: { username: 'u1', password: 'p1' }, [B]: { username: 'u3', password: 'YWRtaW4=', base64encoded: true } }),
        list2: JSON.stringify({ [C]: { username: 'u2' } }),
      }),
    );
    expect(store.get(A)).toEqual({ username: 'u1', password: 'p1' });
    expect(store.get(B)).toEqual({ username: 'u3', password: 'admin' });
    expect(store.get(C)).toEqual({ username: 'u2', password: undefined });
    expect(store.get('unknown')).toBeUndefined();
  });

  it('reads device_credential_ref_list entries through the referenced properties', () => {
    const store = new CredentialStore(
      bytes({
        device_credential_ref_list: '["refs"]',
        refs: JSON.stringify({ [A]: { username_ref: 'dev1_user', password_ref: 'dev1_pass' }, [B]: { username_ref: 'missing' } }),
        dev1_user: 'foo',
        dev1_pass: 'bar',
      }),
    );
    expect(store.get(A)).toEqual({ username: 'foo', password: 'bar' });
    expect(store.get(B)).toBeUndefined();
  });

  it('lets per-uuid properties override list entries, as Akri does', () => {
    const store = new CredentialStore(
      bytes({
        device_credential_list: '["l"]',
        l: JSON.stringify({ [A]: { username: 'from-list', password: 'x' } }),
        [`username_${A.replaceAll('-', '_')}`]: 'from-property',
      }),
    );
    expect(store.get(A)?.username).toBe('from-property');
  });

  it('ignores malformed lists and non-UTF-8 values instead of failing discovery', () => {
    const store = new CredentialStore({
      device_credential_list: Buffer.from('not json'),
      username_default: Buffer.from([0xc8, 0xc8]),
      password_default: undefined,
    });
    expect(store.size).toBe(0);
  });

  it('does not reveal credentials when printed or serialized', () => {
    const store = new CredentialStore(bytes({ username_default: 'admin', password_default: 'hunter2' }));
    expect(`${store}`).not.toContain('hunter2');
    expect(JSON.stringify({ store })).not.toContain('hunter2');
  });
});
