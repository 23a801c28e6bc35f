// Global setup of the DRA node tier: the node tier's control plane and real kubelet, on
// containerd 2 (tools/containerd/build.sh, built once and cached) with CDI reading spec files
// from a directory of this run (not /var/run/cdi), because Debian's containerd 1.6 has no CDI.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startNodeTier } from '../node/global-setup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { stdout } = await promisify(execFile)('bash', [join(root, 'tools', 'containerd', 'build.sh')], { maxBuffer: 16 * 1024 * 1024 }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`building containerd 2 failed (tools/containerd/build.sh): ${err.stderr ?? err.message}`);
  });
  return startNodeTier(project, stdout.trim().split('\n').at(-1) ?? '');
}
