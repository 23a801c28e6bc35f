// `npm start` with KUBECONFIG pointing at a cluster runs the operator (controller + an agent
// for this machine) against it, starts no demo devices, and stops on Ctrl-C leaving nothing;
// `akri-ts status --output json` shows what it found.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, inject, it } from 'vitest';
import { createConfiguration } from './support/akri-objects.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);
const cluster = useTestCluster('cli');
const state = mkdtempSync(join(tmpdir(), 'akri-ts-operator-'));
const nodeName = `cli-node-${randomBytes(3).toString('hex')}`;
afterAll(() => rmSync(state, { recursive: true, force: true }));

function processesOfTheRun(): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`AKRI_TS_CACHE=${state}`);
      } catch {
        return false;
      }
    });
}

interface Status {
  instances: { namespace: string; configuration: string; nodes: string[] }[];
  configurations: { namespace: string; name: string; instances: number }[];
}

it(
  'runs the agent and controller against the cluster in KUBECONFIG, without demo devices, and stops cleanly',
  async () => {
    const kubeconfig = inject('kubeconfig');
    const env = { ...process.env, KUBECONFIG: kubeconfig, AKRI_TS_CACHE: state, NODE_NAME: nodeName };
    const start = spawn(process.execPath, ['--import', 'tsx', 'cli/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    start.stdout.on('data', (d: Buffer) => (out += d.toString()));
    start.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));

    await createConfiguration(cluster.kc, cluster.namespace, 'dev-null', {
      discoveryHandler: { name: 'udev', discoveryDetails: 'udevRules: [\'KERNEL=="null"\']' },
      capacity: 1,
    });
    const status = await eventually(async () => {
      const { stdout } = await run(join(root, 'bin/akri-ts'), ['status', '--output', 'json'], { cwd: root, env });
      const s = JSON.parse(stdout) as Status;
      const mine = s.instances.filter((i) => i.namespace === cluster.namespace);
      if (mine.length !== 1) throw new Error(`status lists ${mine.length} Instances in ${cluster.namespace}; npm start said:\n${out}`);
      return { s, mine };
    }, 90_000);
    expect(status.mine[0]).toMatchObject({ configuration: 'dev-null', nodes: [nodeName] });
    expect(status.s.configurations).toContainEqual(expect.objectContaining({ namespace: cluster.namespace, name: 'dev-null', instances: 1 }));
    expect(out).toContain('Using the cluster in KUBECONFIG');
    expect(out).not.toContain('demo devices');
    // The live view, on a pipe, prints a frame whenever something changed.
    await eventually(async () => {
      if (!out.includes(`dev-null-`)) throw new Error('the view has not shown the Instance yet');
    }, 10_000);

    start.kill('SIGINT');
    expect(await exited).toBe(0);
    await eventually(() => expect(processesOfTheRun()).toEqual([]), 10_000);
  },
  180_000,
);
