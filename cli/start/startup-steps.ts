// The steps `npm start` takes before its live view, shown as a task list (listr2): on a
// terminal every step has a spinner and one line of progress redrawn in place, and ends as a
// one-line summary; when stdout is not a terminal (a CI log, a pipe) the same steps print plain
// lines, and a step's progress only at its milestones, so a log stays short.
import { Listr } from 'listr2';

export interface StepReporter {
  /**
   * What the step is doing now. On a terminal every call redraws the line; otherwise a line is
   * printed only when `milestone` (default: the text itself) differs from the last one.
   */
  progress(detail: string, milestone?: string): void;
  /** Replaces the step's title, e.g. with what it found or how long it took. */
  title(text: string): void;
  /** Whether progress is redrawn in place (a terminal), so a periodic refresh is worth it. */
  readonly live: boolean;
}

export interface StartupStep {
  title: string;
  run(step: StepReporter): Promise<void>;
}

export interface RunOptions {
  /** Whether stdout is a terminal (default: it is checked). */
  live?: boolean;
  /**
   * Ctrl-C: the running step is abandoned (its cleanup is the caller's) and the list fails at
   * once, so the renderer stops and gives the terminal back before anything else is printed.
   */
  signal?: AbortSignal;
}

export class StartupInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export async function runStartupSteps(steps: StartupStep[], options: RunOptions = {}): Promise<void> {
  const live = options.live ?? process.stdout.isTTY === true;
  const { signal } = options;
  const interrupted = new Promise<never>((_resolve, reject) => {
    if (signal?.aborted) reject(new StartupInterrupted());
    signal?.addEventListener('abort', () => reject(new StartupInterrupted()), { once: true });
  });
  interrupted.catch(() => undefined);
  // A pseudo-terminal nobody gave a size (script(1) without a controlling terminal) reports 0
  // columns; listr2 would then wrap after every character.
  if (live && !(process.stdout.columns > 0)) process.stdout.columns = 80;
  const list = new Listr(
    steps.map((s) => ({
      title: s.title,
      task: async (_ctx: unknown, task: { output: string | undefined; title: string | undefined }) => {
        let last: string | undefined;
        const running = s.run({
          live,
          progress(detail, milestone = detail) {
            if (!live && milestone === last) return;
            last = milestone;
            task.output = detail;
          },
          title(text) {
            task.title = text;
          },
        });
        running.catch(() => undefined); // abandoned on Ctrl-C; its failure no longer matters
        await Promise.race([running, interrupted]);
      },
    })),
    {
      renderer: live ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      // npm start has its own Ctrl-C handling: it stops what the steps started.
      registerSignalListeners: false,
      exitOnError: true,
      // A failed step keeps its message on screen.
      rendererOptions: { collapseErrors: false },
    },
  );
  await list.run();
}
