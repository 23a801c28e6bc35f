// A child process for the netns lab (a handler, a camera, a PLC), with its output kept for the
// test to wait on and to print when something fails. `ip netns exec` execs the command, so the
// pid is the program's own and signals reach it directly.
import { spawn, type ChildProcess } from 'node:child_process';

export class LabProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  constructor(argv: string[], env: NodeJS.ProcessEnv = {}) {
    const [cmd = '', ...args] = argv;
    this.child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.output.push(line);
      // Bounded: a chatty process must not grow the test's memory for ever.
      if (this.output.length > 5000) this.output.splice(0, this.output.length - 5000);
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first output line matching, or fails after timeoutMs (with the output). */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.output.find((l) => pattern.test(l));
      if (hit) return hit;
      if (!this.running) throw new Error(`process exited before printing ${pattern}:\n${this.output.slice(-30).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-30).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a signal and waits for the exit (SIGKILL after 10 s if it lingers). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
