// The akri-ts image as the node tier gets it: built from images/akri-ts.Dockerfile by
// tools/images/build.sh (buildah, on the local Node.js base; cached by content hash, so only a
// changed tree rebuilds) and handed over as a docker-archive that containerd imports.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../helm/helm-cli.ts';

export interface AkriImage {
  /** What pod specs name, e.g. docker.io/akri-ts/akri-ts:amd64-0123456789ab. */
  ref: string;
  archive: string;
  arch: string;
}

export function ensureAkriImage(arch: 'amd64' | 'arm64', progress: (line: string) => void = (l) => process.stderr.write(`[image] ${l}\n`)): Promise<AkriImage> {
  const script = join(repoRoot, 'tools', 'images', 'build.sh');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, arch], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (line.startsWith('build.sh:') || line.startsWith('node-base.sh:')) progress(line);
      }
    });
    child.once('error', (err) => reject(new Error(`could not run ${script}: ${err.message}`)));
    child.once('exit', (code) => {
      const [ref, archive] = stdout.trim().split('\n').pop()?.split(' ') ?? [];
      if (code === 0 && ref && archive) resolve({ ref, archive, arch });
      else reject(new Error(`building the ${arch} image failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}
