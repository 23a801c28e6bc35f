// Locates the binaries a control plane needs: etcd from Debian's etcd-server package, and the
// Kubernetes components built (once per machine, cached by version) by tools/kube-binaries/build.sh.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const buildScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tools', 'kube-binaries', 'build.sh');

export type KubeComponent = 'kube-apiserver' | 'kube-scheduler' | 'kube-controller-manager' | 'kubectl' | 'kubelet' | 'kube-proxy';

export function findOnPath(name: string, hint: string): string {
  const candidates = (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  for (const dir of candidates) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next directory
    }
  }
  throw new Error(`${name} was not found on PATH. ${hint}`);
}

export function etcdBinary(): string {
  return process.env.AKRI_TS_ETCD ?? findOnPath('etcd', 'Install it with: apt-get install etcd-server');
}

export interface BuildOptions {
  /**
   * Every line of the build's output, with one line per compiled package (go build -v) and
   * Go's module downloads, for a caller that shows progress (build-progress.ts reads them).
   * Without it, module downloads are left out and packages are not listed.
   */
  packageProgress?: boolean;
}

/**
 * Builds (first run only) and returns the directory holding the pinned Kubernetes binaries.
 * Build progress streams to `progress`; a failed build rejects with the script's last output.
 */
export function ensureKubeBinaries(
  components: KubeComponent[],
  progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  options: BuildOptions = {},
): Promise<string> {
  if (process.env.AKRI_TS_KUBE_BIN) return Promise.resolve(process.env.AKRI_TS_KUBE_BIN);
  return new Promise((resolve, reject) => {
    const env = options.packageProgress ? { ...process.env, AKRI_TS_BUILD_PROGRESS: '1' } : process.env;
    const child = spawn('bash', [buildScript, ...components], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      // Chunks split lines anywhere; a package path cut in two would count twice.
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (options.packageProgress || !line.startsWith('go: downloading')) progress(line);
      }
    });
    child.once('error', (err) => reject(new Error(`could not run ${buildScript}: ${err.message}`)));
    // 'close', not 'exit': both pipes are drained by then, so no last line is missed.
    child.once('close', (code) => {
      if (partial) progress(partial);
      const bin = stdout.trim().split('\n').pop();
      if (code === 0 && bin) resolve(bin);
      else reject(new Error(`building Kubernetes binaries failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}
