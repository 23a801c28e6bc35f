// helm and kubeconform as the tests run them: the pinned binaries from tools/go-tools/build.sh
// (built from their Go modules once per machine), the chart in ../../helm, and results as data.
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = join(repoRoot, 'helm');

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

let bins: { helm: string; kubeconform: string } | undefined;

/** Paths of the pinned helm and kubeconform (built on first use, then cached). */
export function goTools(): { helm: string; kubeconform: string } {
  if (!bins) {
    const dirs = execFileSync('bash', [join(repoRoot, 'tools/go-tools/build.sh'), 'helm', 'kubeconform'], { encoding: 'utf8' }).trim().split('\n');
    const [helmDir, kubeconformDir] = dirs;
    if (!helmDir || !kubeconformDir) throw new Error(`tools/go-tools/build.sh printed ${dirs.length} directories, expected 2`);
    bins = { helm: join(helmDir, 'helm'), kubeconform: join(kubeconformDir, 'kubeconform') };
  }
  return bins;
}

export function run(bin: string, args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((done) => {
    const child = execFile(
      bin,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** Turns a values map into --set-json flags (one per top-level key; no quoting pitfalls). */
export function valueFlags(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--set-json', `${k}=${JSON.stringify(v)}`]);
}

export function helm(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ToolResult> {
  return run(goTools().helm, args, options);
}

/** `helm template` of the chart with the given values, for Kubernetes 1.34. */
export function helmTemplate(values: Record<string, unknown>, extra: string[] = []): Promise<ToolResult> {
  return helm(['template', 'akri', chartDir, '--namespace', 'akri-system', '--kube-version', '1.34.0', ...valueFlags(values), ...extra]);
}
