// `npm start`: the main job. With no cluster configured it brings up the local control plane
// (the same one the tests use), installs the akri.sh CRDs, registers this machine as a Node
// kept Ready by a heartbeat, runs the controller and one agent, starts demo devices on loopback,
// applies one Configuration per handler, and shows Configurations, Instances and broker Pods
// live. With KUBECONFIG set it runs the operator (agent + controller) against that cluster
// instead, with no demo devices. Ctrl-C stops everything it started.
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { installCrds } from '../lib/kube/install-crds.ts';
import { ControlPlane } from './start/control-plane/control-plane.ts';
import { startDemoDevices, type RunningDemo } from './start/demo/demo-devices.ts';
import { demoConfigurations } from './start/demo/demo-configurations.ts';
import { NodeHeartbeat } from './start/node-heartbeat.ts';
import { OperatorProcesses } from './start/operator-processes.ts';
import { LiveView } from './start/live-view.ts';
import { applyConfiguration } from './start/apply-configuration.ts';

const DEMO_HANDLERS = ['opcua', 'onvif', 'modbus', 'udev'];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Things to stop on Ctrl-C, last started first. */
const cleanups: { what: string; stop: () => Promise<void> | void }[] = [];
let stopping = false;
async function stopAll(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`\n${signal}: stopping...`);
  for (const { what, stop } of cleanups.reverse()) {
    try {
      await stop();
      say(`  stopped ${what}`);
    } catch (err) {
      say(`  ${what}: ${(err as Error).message}`);
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll('Ctrl-C'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));

// node-opcua prints its diagnostics with console.log; the live view owns the terminal.
for (const method of ['log', 'info', 'warn', 'debug'] as const) console[method] = () => undefined;

const cacheDir = process.env.AKRI_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'akri-ts');
/** A node name the API server accepts: lowercase DNS-1123. */
const nodeName = (process.env.NODE_NAME ?? hostname()).toLowerCase().replace(/[^a-z0-9.-]/g, '-');

function runOperator(kubeconfig: string, dir: string, logDir: string, embed: string[]): void {
  const operator = new OperatorProcesses({ kubeconfig, nodeName, embed, dir, logDir });
  operator.start();
  cleanups.push({ what: 'the agent and the controller', stop: () => operator.stop() });
  say(`Started the controller and an agent for node ${nodeName} (handlers: ${embed.join(', ')}). Logs: ${logDir}`);
}

async function againstConfiguredCluster(kubeconfig: string): Promise<{ kc: KubeConfig; header: string[] }> {
  const kc = loadKubeConfig(kubeconfig);
  const server = kc.getCurrentCluster()?.server ?? 'unknown server';
  say(`Using the cluster in KUBECONFIG (${server}).`);
  await installCrds(kc);
  say('Installed the akri.sh CRDs: configurations.akri.sh (akric) and instances.akri.sh (akrii).');
  const dir = join(cacheDir, 'operator');
  runOperator(kubeconfig, dir, join(dir, 'logs'), ['debugEcho', 'onvif', 'opcua', 'udev', 'modbus']);
  return { kc, header: [`akri-ts against ${server}, agent for node ${nodeName}`, 'Apply a Configuration with kubectl to see its Instances here.'] };
}

async function localDemo(): Promise<{ kc: KubeConfig; header: string[] }> {
  const dir = join(cacheDir, 'local-cluster');
  const plane = new ControlPlane({ dir, progress: (line) => say(`  ${line}`) });
  cleanups.push({ what: 'the local control plane', stop: () => plane.stop() });
  say('Starting a local control plane (etcd, kube-apiserver, kube-scheduler, kube-controller-manager)...');
  const started = Date.now();
  const endpoints = await plane.start();
  const kc = loadKubeConfig(endpoints.kubeconfig);
  await installCrds(kc);
  say(`Control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${endpoints.server}, akri.sh CRDs installed.`);

  const heartbeat = new NodeHeartbeat(kc, nodeName, (message) => say(message));
  await heartbeat.start();
  cleanups.push({ what: `the heartbeat of node ${nodeName}`, stop: () => heartbeat.stop() });
  say(`Registered node ${nodeName}, kept Ready by a heartbeat (no kubelet runs here).`);

  runOperator(endpoints.kubeconfig, dir, endpoints.logDir, DEMO_HANDLERS);

  say('Starting demo devices on loopback...');
  const demo: RunningDemo = await startDemoDevices(join(dir, 'demo'), (line) => say(`  ${line}`));
  cleanups.push({ what: 'the demo devices', stop: () => demo.stop() });
  for (const c of demoConfigurations(demo.endpoints)) await applyConfiguration(kc, c);
  say(`Applied ${DEMO_HANDLERS.length} Configurations, one per handler.`);
  return {
    kc,
    header: [
      `akri-ts local demo: node ${nodeName}, API server ${endpoints.server}`,
      `kubectl: export KUBECONFIG=${endpoints.kubeconfig} PATH=${endpoints.binDir}:$PATH`,
      `Logs: ${endpoints.logDir}. Broker Pods stay Pending: no kubelet runs containers here.`,
    ],
  };
}

try {
  const kubeconfig = process.env.KUBECONFIG;
  const { kc, header } = kubeconfig ? await againstConfiguredCluster(kubeconfig) : await localDemo();
  const view = new LiveView(kc, () => header);
  cleanups.push({ what: 'the live view', stop: () => view.stop() });
  view.start();
} catch (err) {
  process.stderr.write(`akri-ts: ${(err as Error).message}\n`);
  await stopAll('error', 1);
}
