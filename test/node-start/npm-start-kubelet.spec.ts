// `npm start` on a machine that can run a real node (root, containerd, runc, the CNI plugins,
// nftables, busybox-static), in a pseudo-terminal (util-linux `script`, 160x80) as a user runs
// it, with AKRI_TS_KUBELET=on so a machine that cannot run the node fails here instead of falling
// back. From an empty state directory, so the pause and broker images are built; the Kubernetes
// binaries come from the machine's cache (AKRI_TS_KUBE_BIN). The screen must show every demo
// broker Running, each Instance's slot taken, and each broker's device environment as the
// container printed it; `kubectl exec ... env` must agree. Ctrl-C typed into the terminal must
// then leave no process, mount, network namespace, link, nftables table, cgroup or host path.
// Then npm start killed outright (SIGKILL: its containers stay) must be swept up by the next
// npm start on the same state, whose brokers run again.
// The machine-wide node lock allows one real node: the test waits while another run holds it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureKubeBinaries } from '../../cli/start/control-plane/binaries.ts';
import { nodeLockHolder } from '../../cli/start/node/node-lock.ts';
import { shimPids } from '../../cli/start/node/host-cleanup.ts';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { leftBehind, readHostState, type HostState } from './host-state.ts';

const root = join(import.meta.dirname, '../..');
const state = mkdtempSync(join(tmpdir(), 'akri-ts-npm-start-node-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

const strip = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
const lastFrame = (screen: string): string => strip(screen.split('\x1b[H\x1b[2J').at(-1) ?? '');

function section(frame: string, title: string): string[] {
  const lines = frame.split('\n');
  const start = lines.findIndex((l) => l.startsWith(title));
  if (start < 0) return [];
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '') break;
    rows.push(line);
  }
  return rows;
}

/** Every live process whose command line or environment names this run's state directory. */
function processesOfTheRun(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes(state) || environ.includes(`AKRI_TS_CACHE=${state}`)) found.push(`${pid} ${cmdline.slice(0, 120)}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined, screen: () => string, ended: () => boolean = () => false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (ended()) throw new Error(`npm start ended before ${what}; screen tail:\n${strip(screen()).slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; screen tail:\n${strip(screen()).slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One real node per machine: wait (up to 40 min) while the node tier or another npm start holds it. */
async function waitForTheNodeLock(): Promise<void> {
  const deadline = Date.now() + 40 * 60_000;
  let said = false;
  for (let holder = nodeLockHolder(); holder !== undefined; holder = nodeLockHolder()) {
    if (Date.now() > deadline) throw new Error(`pid ${holder} still holds the real-node lock after 40 min`);
    if (!said) process.stderr.write(`[npm-start-kubelet] waiting: pid ${holder} runs a real node on this machine\n`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

interface Terminal {
  screen: () => string;
  exited: Promise<number | null>;
  /** The terminal has closed: npm start is gone. */
  ended: () => boolean;
  ctrlC: () => void;
  started: number;
}

/** `npm start` in a pseudo-terminal, as a user runs it, on this run's state directory. */
function npmStart(kubeBin: string): Terminal {
  const env: NodeJS.ProcessEnv = { ...process.env, AKRI_TS_CACHE: state, AKRI_TS_KUBE_BIN: kubeBin, AKRI_TS_KUBELET: 'on', TERM: 'xterm' };
  delete env.KUBECONFIG;
  const started = Date.now();
  const terminal = spawn('script', ['-q', '-f', '-c', 'stty cols 160 rows 80; npm start', '/dev/null'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  terminal.stdin.on('error', () => undefined); // Ctrl-C typed after it has gone
  terminal.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  terminal.stderr.on('data', (d: Buffer) => (screen += d.toString()));
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    terminal.once('exit', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  return { screen: () => screen, exited, ended: () => ended, ctrlC: () => terminal.stdin.write('\x03'), started };
}

/**
 * The frame once every broker Pod is Running, every Instance has a slot taken, and every broker's
 * environment has been read back; `instances` Instances when given (a killed run's Instances stay
 * for their grace period, so after one there may be more).
 */
function allRunning(t: Terminal, instances?: number): Promise<string> {
  return until(
    'every demo broker Running with its slot taken and its environment shown',
    600_000,
    () => {
      const f = lastFrame(t.screen());
      const rows = section(f, 'INSTANCES');
      const brokers = section(f, 'BROKER PODS');
      const environment = section(f, 'BROKER ENVIRONMENT');
      const ready =
        rows.length >= 5 &&
        (instances === undefined || rows.length === instances) &&
        rows.every((row) => /\s1\/[12]\s/.test(row)) &&
        brokers.length === rows.length &&
        brokers.every((row) => row.trim().endsWith('Running')) &&
        new Set(environment.map((row) => row.split(/\s+/)[1])).size === brokers.length &&
        environment.every((row) => !row.includes('(its log has no environment yet)'));
      return ready ? f : undefined;
    },
    t.screen,
    t.ended,
  );
}

/** After Ctrl-C: npm start stops everything and the host is as it was before `before` was read. */
async function stopsLeavingNothing(t: Terminal, before: HostState, containerdSocket: string): Promise<void> {
  t.ctrlC();
  const code = await Promise.race([t.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 180_000))]);
  expect(code, `npm start did not exit after Ctrl-C; screen tail:\n${lastFrame(t.screen()).slice(-2000)}`).toBe(0);
  const after = lastFrame(t.screen());
  expect(after).toContain('stopped the kubelet of node');
  expect(after).toContain('stopped the local control plane');
  expect(after).not.toContain('exited unexpectedly');
  // Children die with their parents (setpriv --pdeathsig); give the kernel a moment.
  await new Promise((r) => setTimeout(r, 2000));
  expect(processesOfTheRun()).toEqual([]);
  expect(shimPids(containerdSocket)).toEqual([]);
  expect(leftBehind(before, readHostState(state))).toEqual({ mounts: [], netns: [], links: [], nftTables: [], kubeletCgroups: [], hostPaths: [], cniResults: [] });
  expect(readdirSync(join(state, 'local-cluster'))).not.toContain('node');
  expect(readFileSync(join(state, 'local-cluster', 'logs', 'node.log'), 'utf8')).toMatch(/stopped: \{"podsLeft":\[\]/);
}

const containerdSocket = join(state, 'local-cluster', 'node', 'containerd', 'containerd.sock');
const kubeconfig = join(state, 'local-cluster', 'kubeconfig');
let kubeBin = '';
let before: HostState | undefined;

beforeAll(async () => {
  kubeBin = await ensureKubeBinaries(['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubectl', 'kubelet', 'kube-proxy']);
  await waitForTheNodeLock();
  before = readHostState(state);
}, 45 * 60_000);

it(
  'npm start runs the demo brokers on a real kubelet: Running, slots taken, their device environment shown; Ctrl-C leaves nothing',
  async () => {
    if (!before) throw new Error('the host state was not read');
    const t = npmStart(kubeBin);
    try {
      // 1. Every demo device has its Instance, its broker Running on the kubelet, its slot taken,
      // and the broker's environment read back from its log.
      const frame = await allRunning(t, 5);
      process.stderr.write(`npm start with a real kubelet (images built, binaries cached): every broker Running, slot taken, environment shown after ${((Date.now() - t.started) / 1000).toFixed(1)} s\n`);
      expect(frame).toContain('Broker Pods run on the kubelet of node');
      expect(frame).toContain('PROBLEMS: none');
      const instances = section(frame, 'INSTANCES').map((row) => row.split(/\s+/));
      // Shared devices have capacity 1: 1/1. udev's two local devices have capacity 2, one broker each.
      expect(instances.map((cells) => [cells[2], cells[5]]).sort()).toEqual([
        ['akri-modbus-demo', '1/1'],
        ['akri-onvif-demo', '1/1'],
        ['akri-opcua-demo', '1/1'],
        ['akri-udev-demo', '1/2'],
        ['akri-udev-demo', '1/2'],
      ]);

      // 2. What each broker printed is its device: the Instance's properties, plain and suffixed.
      const kc = loadKubeConfig(kubeconfig);
      const listed = await kubeRequest<{ items: Instance[] }>(kc, { method: 'GET', path: '/apis/akri.sh/v0/namespaces/default/instances' });
      const environment = section(frame, 'BROKER ENVIRONMENT').map((row) => row.split(/\s+/));
      for (const instance of listed.items) {
        const name = instance.metadata.name ?? '';
        const hash = name.slice(-6).toUpperCase();
        const pod = instance.spec.shared ? `${instance.spec.nodes?.[0]}-${name}-pod` : `${name}-pod`;
        const properties = instance.spec.brokerProperties ?? {};
        expect(Object.keys(properties).length, `${name} has properties`).toBeGreaterThan(0);
        for (const [key, value] of Object.entries(properties)) {
          const row = environment.find((cells) => cells[1] === pod && cells[2] === key);
          expect(row?.slice(3).join(' '), `${pod} ${key} on screen`).toBe(`${value} (also as _${hash})`.replace(/\s+/g, ' '));
        }
        // Read back from the running container itself, not through the view.
        const printed = execFileSync(join(kubeBin, 'kubectl'), ['--kubeconfig', kubeconfig, 'exec', '-n', 'default', pod, '--', 'env'], { encoding: 'utf8' });
        for (const [key, value] of Object.entries(properties)) {
          expect(printed).toContain(`\n${key}=${value}\n`);
          expect(printed).toContain(`\n${key}_${hash}=${value}\n`);
        }
      }
      expect(listed.items.some((i) => i.spec.brokerProperties?.UDEV_DEVNODE === '/dev/null')).toBe(true);
      expect(shimPids(containerdSocket).length, 'one containerd shim per pod').toBeGreaterThanOrEqual(5);
      expect(leftBehind(before, readHostState(state)).netns.length, 'a network namespace per pod').toBeGreaterThanOrEqual(5);
    } finally {
      // 3. Ctrl-C, typed into the terminal.
      await stopsLeavingNothing(t, before, containerdSocket);
    }
  },
  1_200_000,
);

it(
  'after npm start is killed outright, the next npm start sweeps up what it left and runs the brokers again; Ctrl-C then leaves nothing',
  async () => {
    if (!before) throw new Error('the host state was not read');
    const killed = npmStart(kubeBin);
    await allRunning(killed);
    const pid = startProcess();
    expect(pid, 'the npm start process').toBeDefined();
    process.kill(pid ?? 0, 'SIGKILL');
    await killed.exited;
    // Its containers, their shims, mounts and network namespaces stay (the kubelet and containerd
    // die with it), and the API server it ran dies without taking its endpoints down.
    expect(shimPids(containerdSocket).length).toBeGreaterThanOrEqual(5);

    const again = npmStart(kubeBin);
    try {
      const frame = await allRunning(again);
      process.stderr.write(`npm start after a killed one (state kept, images cached): every broker Running after ${((Date.now() - again.started) / 1000).toFixed(1)} s\n`);
      expect(frame).toContain('Broker Pods run on the kubelet of node');
      expect(readFileSync(join(state, 'local-cluster', 'logs', 'node.log'), 'utf8')).toContain(`swept up after a killed run: {"pid":${pid}`);
    } finally {
      await stopsLeavingNothing(again, before, containerdSocket);
    }
  },
  1_200_000,
);

/** The `npm start` process of this run (node --import tsx cli/start.ts with this state directory). */
function startProcess(): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes('cli/start.ts') && environ.includes(`AKRI_TS_CACHE=${state}`)) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
