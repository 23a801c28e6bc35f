// rtu.ports globs match in the last path segment only, list lines in a stable order, and are
// capped; a named path that does not exist (adapter unplugged) is simply not scanned.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandSerialPaths } from './serial-paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'akri-ts-serial-paths-'));
for (const name of ['ttyUSB0', 'ttyUSB1', 'ttyUSB10', 'ttyS0', 'ttyACM0']) writeFileSync(join(dir, name), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serial path globs', () => {
  it('matches * and ? in the last segment, sorted, without duplicates', async () => {
    const { paths } = await expandSerialPaths([join(dir, 'ttyUSB*'), join(dir, 'ttyUSB?'), join(dir, 'ttyS0')], 16);
    expect(paths).toEqual(['ttyUSB0', 'ttyUSB1', 'ttyUSB10', 'ttyS0'].map((n) => join(dir, n)));
  });

  it('skips named paths that do not exist and directories that do not exist', async () => {
    const { paths } = await expandSerialPaths([join(dir, 'ttyUSB9'), join(dir, 'missing', 'tty*')], 16);
    expect(paths).toEqual([]);
  });

  it('caps the number of lines and says so', async () => {
    expect(await expandSerialPaths([join(dir, 'tty*')], 2)).toEqual({ paths: [join(dir, 'ttyACM0'), join(dir, 'ttyS0')], truncated: true });
  });
});
