// A child process of the test tooling that cannot outlive us: it is started under
// `setpriv --pdeathsig`, so the kernel signals it if this Node process dies, even by SIGKILL.
// Its output goes to a log file, whose tail is quoted when it fails to start or exits early.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { sleep } from '../time/sleep.ts';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called instead of printing to stderr when the process exits without stop() or kill(). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null, logTail: string) => void;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private stopping = false;

  constructor(readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    const { command, args, logFile, env, cwd, name } = this.options;
    // The child writes its log file itself: piping it through this process would put every
    // log line of the control plane on the event loop of the tests (and benchmarks) using it.
    const log = openSync(logFile, 'a');
    this.stopping = false;
    let child: ChildProcess;
    try {
      // Its own process group (detached): Ctrl-C in a terminal signals the foreground group, and
      // the owner, not the terminal, decides when and in which order children stop.
      child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', command, ...args], { stdio: ['ignore', log, log], env: env ?? process.env, cwd, detached: true });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.stopping && this.options.onUnexpectedExit) {
          this.options.onUnexpectedExit(code, signal, this.logTail());
        } else if (!this.stopping) {
          process.stderr.write(
            `[control-plane] ${name} exited unexpectedly (code ${code}, signal ${signal}); last log lines:\n${this.logTail()}\n`,
          );
        }
        resolve(code);
      });
      child.once('error', (err) => {
        process.stderr.write(`[control-plane] ${name} could not be started: ${err.message}\n`);
        resolve(-1);
      });
    });
    this.child = child;
  }

  /** Resolves when the process has exited; never rejects. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    this.stopping = true;
    if (this.running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = undefined;
  }

  /**
   * Sends `signal` as an expected end (a soak's SIGKILL: no "exited unexpectedly") and waits
   * for the exit; resolves at once when the process is not running.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.exited || !this.running) return;
    this.stopping = true;
    child.kill(signal);
    await this.exited;
    this.child = undefined;
  }

  /** Sends a signal that does not end the process (SIGSTOP, SIGCONT); false when it is not running. */
  signal(signal: NodeJS.Signals): boolean {
    return this.running && (this.child?.kill(signal) ?? false);
  }

  /** Fails with the log tail if the process exits before `ready` resolves. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.options.name} exited before ${what}; last log lines:\n${this.logTail()}`);
      }
      if (await ready().catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`${this.options.name} did not become ${what} within ${timeoutMs} ms; last log lines:\n${this.logTail()}`);
  }

  logTail(lines = 25): string {
    if (!existsSync(this.options.logFile)) return '(no log)';
    return readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }
}
