// Runs a container of the installed chart as a local process: the same `akri-ts` command line
// the image runs (its ENTRYPOINT is bin/akri-ts), with the pod's downward-API environment filled
// in by the test and the pod's ServiceAccount token as a kubeconfig. Output is kept for messages.
// An optional command prefix (e.g. setpriv with the pod's user, groups and capabilities) runs
// it the way the container's securityContext would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helm-cli.ts';

export class ChartProcess {
  private readonly child: ChildProcess;
  private output = '';
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    args: string[],
    env: Record<string, string>,
    prefix: string[] = [],
  ) {
    const command = [...prefix, join(repoRoot, 'bin/akri-ts'), ...args];
    this.child = spawn(command[0] ?? '', command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString('utf8')).slice(-20_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
  }

  /** Resolves with the exit code once the process has exited. */
  get exit(): Promise<number | null> {
    return this.exited;
  }

  get logs(): string {
    return `--- ${this.name} (last output) ---\n${this.output}`;
  }

  /** SIGTERM, as the kubelet does; SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
