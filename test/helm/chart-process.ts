// Runs a container of the installed chart as a local process: the same `akri-ts` command line
// the image runs (its ENTRYPOINT is bin/akri-ts), with the pod's downward-API environment filled
// in by the test and the pod's ServiceAccount token as a kubeconfig. Output is kept for messages.
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
  ) {
    this.child = spawn(join(repoRoot, 'bin/akri-ts'), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString('utf8')).slice(-20_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
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
