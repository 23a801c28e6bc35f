// The chart's socket layout, with real users and permissions: the agent runs as root without
// capabilities (as rendered: no CAP_DAC_OVERRIDE, so file modes bind it too) in the socket
// group; the debugEcho handler runs as the non-root handler user after the init container's
// command gave it a directory of its own; everything under umask 000. The handler registers,
// the agent connects to its socket through the group, and the Instance appears; someone outside
// the group reaches neither socket, and the handler cannot write the agent's directory.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartProcess } from '../helm/chart-process.ts';
import { helmTemplate } from '../helm/helm-cli.ts';
import { manifests, type Manifest } from '../helm/rendered.ts';
import { asContainerUser, type SecurityContextView } from '../helm/as-container-user.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { listInstances, applyConfiguration } from './support/agent-nodes.ts';

const run = promisify(execFile);
const cluster = useTestCluster('nonroot');
const node = `nonroot-${randomBytes(3).toString('hex')}`;
const GROUP = 4711;
const USER = 4712;
const OUTSIDER = 4713;
const running: ChartProcess[] = [];
let scratch = '';

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  securityContext?: SecurityContextView;
}
interface Pod {
  securityContext?: SecurityContextView;
  initContainers?: Container[];
  containers: Container[];
}
const pod = (all: Manifest[], component: string): Pod => {
  const ds = all.find((m) => m.kind === 'DaemonSet' && m.metadata.name.endsWith(component));
  if (!ds) throw new Error(`no DaemonSet *${component}`);
  return (ds.spec as { template: { spec: Pod } }).template.spec;
};
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8).padStart(4, '0');
const owner = (path: string) => `${statSync(path).uid}:${statSync(path).gid}`;

/** Tries to connect to a socket as uid:gid (no capabilities); resolves with "connected" or the error code. */
async function connectAs(uid: number, gid: number, path: string): Promise<string> {
  const script = `const s=require('node:net').connect(process.argv[1]);s.on('connect',()=>{console.log('connected');s.destroy()});s.on('error',e=>console.log(e.code))`;
  const { stdout } = await run('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--', process.execPath, '-e', script, path]);
  return stdout.trim();
}

let handlersDir = '';
let rendered: Manifest[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'akri-ts-nonroot-'));
  chmodSync(scratch, 0o755); // like /var/lib: anyone may pass through
  handlersDir = join(scratch, 'akri');
  for (const d of ['kubelet/device-plugins', 'kubelet/pod-resources', 'state']) mkdirSync(join(scratch, d), { recursive: true });
  const r = await helmTemplate({
    kubeletDir: join(scratch, 'kubelet'),
    podSecurity: { socketGroup: GROUP, handlerUser: USER },
    agent: { handlersDir, stateDir: join(scratch, 'state'), metricsPort: 0 },
    debugEcho: { discovery: { enabled: true } },
  });
  expect(r.code, r.stderr).toBe(0);
  rendered = manifests(r.stdout);
});

afterAll(async () => {
  for (const p of running) await p.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a non-root handler and the root agent share sockets through the socket group, under umask 000', () => {
  it('the agent makes its directory 0750 and its registration socket 0660, both in the socket group', async () => {
    const a = pod(rendered, '-agent');
    const c = a.containers[0];
    // The kubelet creates a hostPath DirectoryOrCreate as root:root 0755.
    mkdirSync(handlersDir, { mode: 0o755 });
    const agent = new ChartProcess('agent', [...(c?.args ?? []), '--kubeconfig', cluster.kubeconfig, '--namespace', cluster.namespace], { NODE_NAME: node }, asContainerUser(a.securityContext, c?.securityContext));
    running.push(agent);
    const socket = join(handlersDir, 'agent-registration.sock');
    await eventually(() => expect(statSync(socket).isSocket(), agent.logs).toBe(true), 30_000);
    expect(mode(handlersDir)).toBe('0750');
    expect(owner(handlersDir)).toBe(`0:${GROUP}`);
    expect(mode(socket)).toBe('0660');
    expect(owner(socket)).toBe(`0:${GROUP}`);
  });

  it("the handler's init step and the handler itself, as the rendered users, serve a 0660 socket the agent reaches", async () => {
    const h = pod(rendered, '-debug-echo-discovery');
    const init = h.initContainers?.[0];
    expect(init?.name).toBe('socket-dir');
    // Run the init command exactly as its securityContext says (root with CHOWN and FOWNER only).
    const prefix = asContainerUser(h.securityContext, init?.securityContext);
    await run(prefix[0] ?? '', [...prefix.slice(1), ...(init?.command ?? [])]);
    const own = join(handlersDir, 'debugEcho');
    expect(mode(own)).toBe('0750');
    expect(owner(own)).toBe(`${USER}:${GROUP}`);

    const c = h.containers[0];
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? '']));
    const handler = new ChartProcess('debugEcho handler', c?.args ?? [], { ...env, HOME: '/tmp' }, asContainerUser(h.securityContext, c?.securityContext));
    running.push(handler);
    const socket = join(own, 'debugEcho.sock');
    await eventually(() => expect(statSync(socket).isSocket(), handler.logs).toBe(true), 60_000);
    expect(mode(socket)).toBe('0660');
    expect(owner(socket)).toBe(`${USER}:${GROUP}`);

    await applyConfiguration(cluster.kc, cluster.namespace, 'echo', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [foo0]' } });
    await eventually(async () => {
      const [instance, ...more] = await listInstances(cluster.kc, cluster.namespace, 'echo');
      expect(more).toEqual([]);
      expect(instance?.spec.nodes, `${running.map((p) => p.logs).join('\n')}`).toEqual([node]);
    }, 60_000);
  });

  it('someone outside the group reaches neither socket, and the handler user cannot write the agent directory', async () => {
    const registration = join(handlersDir, 'agent-registration.sock');
    const handlerSocket = join(handlersDir, 'debugEcho', 'debugEcho.sock');
    expect(await connectAs(USER, GROUP, registration)).toBe('connected');
    expect(await connectAs(OUTSIDER, OUTSIDER, registration)).toBe('EACCES');
    expect(await connectAs(OUTSIDER, OUTSIDER, handlerSocket)).toBe('EACCES');
    const touch = await run('setpriv', [`--reuid=${USER}`, `--regid=${GROUP}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--', 'touch', join(handlersDir, 'intruder')]).then(
      () => 'written',
      (err: { stderr?: string }) => err.stderr ?? 'failed',
    );
    expect(touch).toMatch(/Permission denied/);
  });

  it('without a directory of its own, the non-root handler cannot bind in the agent directory (why the init step exists)', async () => {
    const h = pod(rendered, '-debug-echo-discovery');
    const c = h.containers[0];
    const env = Object.fromEntries((c?.env ?? []).filter((e) => e.name !== 'DISCOVERY_HANDLER_SOCKET_DIRECTORY').map((e) => [e.name, e.value ?? '']));
    const handler = new ChartProcess('debugEcho handler without its directory', c?.args ?? [], { ...env, HOME: '/tmp' }, asContainerUser(h.securityContext, c?.securityContext));
    running.push(handler);
    expect(await handler.exit).not.toBe(0);
    expect(handler.logs).toMatch(/EACCES|permission denied/i);
  });
});
