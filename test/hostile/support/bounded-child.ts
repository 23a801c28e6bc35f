// Runs one workload of the hostile-input suite in its own Node process, so that its memory
// can be asserted: the child's heap is capped (--max-old-space-size, so a runaway dies instead
// of swapping the machine) and it reports its own peak resident memory (maxRSS) with its
// result. The workload prints one JSON object as its last line of standard output.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');

export interface ChildRun<T> {
  status: number | null;
  /** The workload's JSON result, with its own peak resident memory. */
  result: T & { maxRssMb: number };
  stdout: string;
  stderr: string;
  wallMs: number;
}

export async function runBoundedChild<T>(
  script: string,
  args: string[],
  options: { maxOldSpaceMb: number; timeoutMs: number; stdin?: string },
): Promise<ChildRun<T>> {
  const started = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${options.maxOldSpaceMb}`, '--import', tsx, join(root, script), ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let result: T & { maxRssMb: number };
  try {
    result = JSON.parse(last) as T & { maxRssMb: number };
  } catch {
    throw new Error(`workload ${script} printed no result (status ${status}, ${Math.round(wallMs)} ms)\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`);
  }
  return { status, result, stdout, stderr, wallMs };
}

/** The workload side: prints the result with this process's peak resident memory. */
export function reportResult(result: object): void {
  process.stdout.write(`\n${JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/** Milliseconds of the fastest of `times` runs: a scheduler pause or GC in one run is not the input's cost. */
export function fastestOf(times: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}
