// Container images without a registry: a docker-archive tar (manifest.json, an image config and
// one layer tar) holding Debian's static busybox and its applet links, assembled here and cached
// under ~/.cache/akri-ts/images keyed by a hash of everything that goes into it, so a second run
// reuses the file and a changed recipe gets a new tag.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const BUSYBOX = '/bin/busybox';

export interface ImageRecipe {
  /** Repository without registry, e.g. `akri-ts/broker`; containerd names it `docker.io/<repository>:<tag>`. */
  repository: string;
  cmd: string[];
  env?: string[];
}

export interface BuiltImage {
  /** The name pod specs must use, e.g. `docker.io/akri-ts/broker:0123456789ab`. */
  ref: string;
  archive: string;
  /** False when the archive came from the cache. */
  built: boolean;
}

export function imageCacheDir(): string {
  const base = process.env.AKRI_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'akri-ts');
  return join(base, 'images');
}

/** Deterministic tar flags: the same inputs give the same bytes, hence the same digests. */
const TAR_FLAGS = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu'];

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The cache key: busybox's bytes plus the recipe; a new Debian busybox rebuilds the image. */
export function recipeKey(recipe: ImageRecipe, busybox: Buffer): string {
  return sha256(Buffer.concat([busybox, Buffer.from(JSON.stringify({ v: 2, ...recipe }))]));
}

async function busyboxApplets(): Promise<string[]> {
  const { stdout } = await run(BUSYBOX, ['--list']);
  return stdout.split('\n').map((s) => s.trim()).filter((s) => /^[a-z0-9_.[-]+$/.test(s) && s !== 'busybox');
}

async function buildLayer(dir: string): Promise<string> {
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  for (const applet of await busyboxApplets()) symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\n');
  const layer = join(dir, 'layer.tar');
  await run('tar', [...TAR_FLAGS, '-cf', layer, '-C', root, '.']);
  return layer;
}

/** Builds the archive unless the cache already holds it. */
export async function ensureImageArchive(recipe: ImageRecipe): Promise<BuiltImage> {
  const key = recipeKey(recipe, readFileSync(BUSYBOX));
  const tag = key.slice(0, 12);
  const cache = imageCacheDir();
  mkdirSync(cache, { recursive: true });
  const archive = join(cache, `${recipe.repository.replace(/\//g, '_')}-${key}.tar`);
  const ref = `docker.io/${recipe.repository}:${tag}`;
  if (existsSync(archive)) return { ref, archive, built: false };

  const work = mkdtempSync(join(tmpdir(), 'akri-ts-image-'));
  try {
    const layer = await buildLayer(work);
    const diffId = sha256(readFileSync(layer));
    const out = join(work, 'archive');
    mkdirSync(join(out, diffId), { recursive: true });
    renameSync(layer, join(out, diffId, 'layer.tar'));
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Env: recipe.env ?? ['PATH=/bin'], Cmd: recipe.cmd, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'akri-ts cli/start/node/image-archive.ts' }],
    });
    const configName = `${sha256(config)}.json`;
    writeFileSync(join(out, configName), config);
    writeFileSync(
      join(out, 'manifest.json'),
      JSON.stringify([{ Config: configName, RepoTags: [`${recipe.repository}:${tag}`], Layers: [`${diffId}/layer.tar`] }]),
    );
    // Written beside the final name, then renamed, so a concurrent run never reads half a file.
    const partial = `${archive}.${process.pid}.partial`;
    await run('tar', [...TAR_FLAGS, '-cf', partial, '-C', out, '.']);
    renameSync(partial, archive);
    return { ref, archive, built: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
