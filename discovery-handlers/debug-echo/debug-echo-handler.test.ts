// debugEcho as Akri defines it: one device per description, property DEBUG_ECHO_DESCRIPTION,
// and OFFLINE (in the availability file, or flipped in-process) meaning "no devices".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails, type DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { DebugEchoAvailability } from './availability.ts';
import { DebugEchoHandler } from './debug-echo-handler.ts';

const dir = mkdtempSync(join(tmpdir(), 'akri-ts-echo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function snapshots(handler: DebugEchoHandler, details: string, count: number, between: (i: number) => void): Promise<string[][]> {
  const abort = new AbortController();
  const out: string[][] = [];
  for await (const devices of handler.discover({ details, properties: {} }, abort.signal)) {
    out.push((devices as DiscoveredDevice[]).map((d) => d.id));
    if (out.length === count) abort.abort();
    else between(out.length);
  }
  return out;
}

describe('debugEcho', () => {
  it('reports one device per description, with DEBUG_ECHO_DESCRIPTION', async () => {
    const h = new DebugEchoHandler({ shared: true });
    const abort = new AbortController();
    for await (const devices of h.discover({ details: 'descriptions:\n- foo0\n- foo1\n', properties: {} }, abort.signal)) {
      expect(devices).toEqual([
        { id: 'foo0', properties: { DEBUG_ECHO_DESCRIPTION: 'foo0' }, mounts: [], deviceSpecs: [] },
        { id: 'foo1', properties: { DEBUG_ECHO_DESCRIPTION: 'foo1' }, mounts: [], deviceSpecs: [] },
      ]);
      abort.abort();
    }
  });

  it('takes devices offline and back with the in-process switch, one or all', async () => {
    const h = new DebugEchoHandler({ shared: false, pollMs: 60_000 });
    const got = await snapshots(h, 'descriptions: [a, b]', 4, (i) => {
      if (i === 1) h.availability.setOffline('a');
      if (i === 2) h.availability.setOffline();
      if (i === 3) h.availability.setOnline();
    });
    expect(got).toEqual([['a', 'b'], ['b'], [], ['a', 'b']]);
  });

  it('reports nothing while the availability file says OFFLINE, as Akri does', async () => {
    const file = join(dir, 'availability.txt');
    writeFileSync(file, 'OFFLINE\n');
    const h = new DebugEchoHandler({ shared: false, availability: new DebugEchoAvailability(file), pollMs: 50 });
    const got = await snapshots(h, 'descriptions: [a]', 2, () => writeFileSync(file, 'ONLINE\n'));
    expect(got[0]).toEqual([]);
    expect(got[1]).toEqual(['a']);
  });

  it('rejects details without a descriptions list, naming the field', async () => {
    const h = new DebugEchoHandler({ shared: false });
    await expect(snapshots(h, 'descriptions: 42', 1, () => undefined)).rejects.toThrow(InvalidDiscoveryDetails);
    await expect(snapshots(h, 'foo: [a]', 1, () => undefined)).rejects.toThrow('descriptions: expected a map with a "descriptions" list');
  });
});
