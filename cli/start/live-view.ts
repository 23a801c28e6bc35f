// The live terminal view of `npm start`: redraws problems (nodes whose discovery is stuck, the
// latest Warning Events on Configurations and Instances, and what npm start itself noticed),
// then Configurations, Instances and broker Pods, and any section the caller adds (what the
// running brokers print), in place once a second on a terminal; when stdout is a pipe it prints
// a new frame only when something changed, so a log stays readable.
import type { KubeConfig } from '@kubernetes/client-node';
import { readSnapshot } from '../status/cluster-snapshot.ts';
import { formatSnapshot } from '../status/status-table.ts';

const CLEAR = '\x1b[H\x1b[2J';

export class LiveView {
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private stopped = false;
  private readonly started = Date.now();

  constructor(
    private readonly kc: KubeConfig,
    private readonly header: () => string[],
    private readonly localProblems: () => string[] = () => [],
    /** More of the frame, after the broker Pods; undefined adds nothing. */
    private readonly extra: () => Promise<string | undefined> = () => Promise.resolve(undefined),
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  start(): void {
    const tick = () =>
      void this.render().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, 1000);
      });
    tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async render(): Promise<void> {
    let body: string;
    try {
      const [snapshot, extra] = await Promise.all([readSnapshot(this.kc), this.extra()]);
      body = formatSnapshot(snapshot, { localProblems: this.localProblems() });
      if (extra !== undefined) body += `\n${extra}`;
    } catch (err) {
      body = `cannot read the cluster: ${(err as Error).message}\n`;
    }
    if (this.stopped) return;
    const elapsed = `${Math.round((Date.now() - this.started) / 1000)} s`;
    if (this.out.isTTY) {
      this.out.write(`${CLEAR}${this.header().join('\n')}\n\n${body}\n(up ${elapsed}) Press Ctrl-C to stop everything.\n`);
    } else if (body !== this.last) {
      this.out.write(`--- after ${elapsed}\n${body}`);
    }
    this.last = body;
  }
}
