// Images without a registry: the busybox archives are reproducible byte for byte (so the cache
// key and the tag mean something), and the broker image the node runs is the one we built.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureImageArchive } from '../../cli/start/node/image-archive.ts';
import { BROKER_IMAGE } from '../../cli/start/node/node-images.ts';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const cache = mkdtempSync(join(tmpdir(), 'akri-ts-image-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('busybox images assembled without a registry', () => {
  it('rebuilding the broker in an empty cache gives the same bytes and the name the node runs', async () => {
    const cached = await ensureImageArchive(BROKER_IMAGE);
    const saved = process.env.AKRI_TS_CACHE;
    process.env.AKRI_TS_CACHE = cache;
    try {
      const rebuilt = await ensureImageArchive(BROKER_IMAGE);
      expect(rebuilt.built).toBe(true);
      expect(rebuilt.ref).toBe(cached.ref);
      expect(sha256(rebuilt.archive)).toBe(sha256(cached.archive));
    } finally {
      if (saved === undefined) delete process.env.AKRI_TS_CACHE;
      else process.env.AKRI_TS_CACHE = saved;
    }
    expect(cached.ref).toBe(inject('brokerImage'));
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', cached.archive, './manifest.json']).toString()) as Array<{ RepoTags: string[]; Layers: string[] }>;
    expect(manifest).toHaveLength(1);
    expect(`docker.io/${manifest[0]?.RepoTags[0]}`).toBe(cached.ref);
    expect(manifest[0]?.Layers).toHaveLength(1);
  });
});
