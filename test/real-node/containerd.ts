// Debian's containerd as a child process of the test run, with its own root, state and socket
// (see containerd-config.ts). Images are imported with `ctr` into the CRI namespace k8s.io.
// Stopping also ends what containerd leaves behind: tasks, shims and mounts under its directory.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../../cli/start/control-plane/binaries.ts';
import { ManagedProcess } from '../../lib/process/managed-process.ts';
import { containerdPaths, renderBridgeConflist, renderContainerdConfig, type BridgeNetwork, type ContainerdPaths } from './containerd-config.ts';
import { killShims, unmountUnder } from './host-cleanup.ts';

const run = promisify(execFile);

export const CNI_BIN_DIR = '/usr/lib/cni';
const CRI_NAMESPACE = 'k8s.io';

export interface ContainerdOptions {
  dir: string;
  sandboxImage: string;
  network: BridgeNetwork;
  logFile: string;
  /** Another containerd (e.g. containerd 2 from tools/containerd/build.sh): its bin dir and CDI spec dir. */
  runtime?: ContainerdRuntime;
}

export interface ContainerdRuntime {
  /** containerd, containerd-shim-runc-v2 and ctr; first on containerd's PATH, so its own shim is used. */
  binDir: string;
  cdiSpecDir: string;
}

export class Containerd {
  readonly paths: ContainerdPaths;
  private readonly process: ManagedProcess;
  private readonly ctrBin: string;

  constructor(private readonly options: ContainerdOptions) {
    this.paths = containerdPaths(options.dir);
    const bin = options.runtime?.binDir;
    this.ctrBin = bin ? join(bin, 'ctr') : findOnPath('ctr', 'Install it with: apt-get install containerd');
    this.process = new ManagedProcess({
      name: 'containerd',
      command: bin ? join(bin, 'containerd') : findOnPath('containerd', 'Install it with: apt-get install containerd runc'),
      args: ['--config', this.paths.configFile, '--log-level', 'info'],
      logFile: options.logFile,
      ...(bin ? { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` } } : {}),
    });
  }

  get socket(): string {
    return this.paths.socket;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  async start(): Promise<void> {
    const { paths, sandboxImage, network } = { paths: this.paths, ...this.options };
    for (const d of [paths.root, paths.state, paths.runcRoot, paths.cniConfDir]) mkdirSync(d, { recursive: true });
    const cdiSpecDir = this.options.runtime?.cdiSpecDir;
    if (cdiSpecDir) mkdirSync(cdiSpecDir, { recursive: true });
    writeFileSync(paths.configFile, renderContainerdConfig({ paths, sandboxImage, cniBinDir: CNI_BIN_DIR, cdiSpecDirs: cdiSpecDir ? [cdiSpecDir] : undefined }));
    writeFileSync(join(paths.cniConfDir, '10-akri-ts.conflist'), renderBridgeConflist(network, join(paths.dir, 'cni', 'ipam')));
    this.process.start();
    await this.process.waitUntil(async () => (await this.ctr(['version'])).ok, 30_000, 'ready');
  }

  async ctr(args: string[], timeoutMs = 60_000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(this.ctrBin, ['--address', this.paths.socket, ...args], { timeout: timeoutMs });
      return { ok: true, stdout, stderr };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
    }
  }

  /** Imports a docker-archive into the CRI namespace, where the kubelet looks for images. */
  async importImage(archive: string, ref: string): Promise<void> {
    const res = await this.ctr(['-n', CRI_NAMESPACE, 'images', 'import', archive]);
    if (!res.ok) throw new Error(`ctr images import ${archive} failed: ${res.stderr.trim()}`);
    const list = await this.ctr(['-n', CRI_NAMESPACE, 'images', 'ls', '-q']);
    if (!list.stdout.split('\n').includes(ref)) {
      throw new Error(`after importing ${archive}, containerd does not list ${ref}; it has:\n${list.stdout}`);
    }
  }

  /** Kills every task still running in the CRI namespace; the kubelet normally did this already. */
  async killTasks(): Promise<string[]> {
    const tasks = await this.ctr(['-n', CRI_NAMESPACE, 'tasks', 'ls', '-q']);
    const ids = tasks.ok ? tasks.stdout.split('\n').filter(Boolean) : [];
    for (const id of ids) {
      await this.ctr(['-n', CRI_NAMESPACE, 'tasks', 'kill', '-s', 'SIGKILL', id], 10_000);
      await this.ctr(['-n', CRI_NAMESPACE, 'tasks', 'delete', '--force', id], 10_000);
    }
    return ids;
  }

  /** Stops containerd and removes what it leaves: shims, and mounts under its directory. */
  async stop(): Promise<{ tasksKilled: string[]; shimsKilled: number[]; unmountFailures: string[] }> {
    const tasksKilled = this.process.running ? await this.killTasks() : [];
    await this.process.stop();
    const shimsKilled = killShims(this.paths.socket);
    const unmountFailures = await unmountUnder(this.options.dir);
    return { tasksKilled, shimsKilled, unmountFailures };
  }
}
