// The chart as a user installs it on a node: `helm install` of ./helm with the image built from
// its Dockerfile (imported into the node's containerd, so pullPolicy Never) and the busybox broker
// for the sample Configurations; helm's own state lives in a scratch directory. Also what the
// specs read back from the host: files under the chart's host paths, and HTTP through a Service's
// ClusterIP (kube-proxy's rules).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartDir, helm, valueFlags, type ToolResult } from '../../helm/helm-cli.ts';

export function imageValues(ref: string): { repository: string; tag: string; pullPolicy: string } {
  const at = ref.lastIndexOf(':');
  return { repository: ref.slice(0, at), tag: ref.slice(at + 1), pullPolicy: 'Never' };
}

export class ChartRelease {
  private readonly scratch = mkdtempSync(join(tmpdir(), 'akri-ts-chart-'));

  constructor(
    readonly name: string,
    readonly namespace: string,
    private readonly kubeconfig: string,
  ) {}

  private run(args: string[], timeoutMs = 300_000): Promise<ToolResult> {
    const env = {
      HELM_CACHE_HOME: join(this.scratch, 'cache'),
      HELM_CONFIG_HOME: join(this.scratch, 'config'),
      HELM_DATA_HOME: join(this.scratch, 'data'),
    };
    return helm([...args, '--kubeconfig', this.kubeconfig, '--namespace', this.namespace], { env, timeoutMs });
  }

  private async must(what: string, args: string[], timeoutMs?: number): Promise<string> {
    const res = await this.run(args, timeoutMs);
    if (res.code !== 0) throw new Error(`helm ${what} failed (exit ${res.code}):\n${res.stderr}${res.stdout}`);
    return res.stdout;
  }

  install(values: Record<string, unknown>): Promise<string> {
    return this.must('install', ['install', this.name, chartDir, ...valueFlags(values)]);
  }

  upgrade(values: Record<string, unknown>): Promise<string> {
    return this.must('upgrade', ['upgrade', this.name, chartDir, ...valueFlags(values)]);
  }

  /** Uninstalls and waits until helm has seen every object of the release gone. */
  uninstall(): Promise<string> {
    return this.must('uninstall', ['uninstall', this.name, '--wait', '--timeout', '300s'], 360_000);
  }

  /** Best effort, for afterAll after a failure. */
  async cleanUp(): Promise<void> {
    await this.run(['uninstall', this.name, '--wait', '--timeout', '120s'], 180_000).catch(() => undefined);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Socket files under a host directory (recursively), e.g. what an uninstall left behind. */
export function socketsUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = statSync(p);
        if (st.isSocket()) found.push(p);
        else if (st.isDirectory()) walk(p);
      } catch {
        // gone meanwhile
      }
    }
  };
  walk(dir);
  return found;
}

/** GET http://<host>:<port><path> from this machine (a ClusterIP goes through kube-proxy's rules). */
export function httpGet(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
    req.on('error', reject);
  });
}
