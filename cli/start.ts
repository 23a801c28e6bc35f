// `npm start`: the main job. With no cluster configured it brings up the local control plane
// (the same one the tests use), installs the akri.sh CRDs, makes this machine a Node (a real
// kubelet on containerd when the machine can run one, so the brokers run; else a Node kept Ready
// by a heartbeat: node-mode.ts), runs the controller and one agent, starts demo devices on
// loopback, applies one Configuration per handler, and shows Configurations, Instances, broker
// Pods and what the running brokers print, live. With KUBECONFIG set it runs the operator (agent
// + controller) against that cluster instead, with no demo devices. Ctrl-C stops everything it
// started. Arguments: --kubelet / --no-kubelet (see node-mode.ts).
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { installCrds } from '../lib/kube/install-crds.ts';
import { ControlPlane, controlPlaneComponents, type ControlPlaneEndpoints } from './start/control-plane/control-plane.ts';
import { startDemoDevices } from './start/demo/demo-devices.ts';
import { demoConfigurations } from './start/demo/demo-configurations.ts';
import { OperatorProcesses } from './start/operator-processes.ts';
import { LiveView } from './start/live-view.ts';
import { applyConfiguration } from './start/apply-configuration.ts';
import { runStartupSteps, StartupInterrupted, type StartupStep } from './start/startup-steps.ts';
import { kubeBinariesStep } from './start/kube-binaries-step.ts';
import { chooseNodeMode, gatherNodeFacts, kubeletSetting, type KubeletSetting, type NodeMode } from './start/node-mode.ts';
import { nodeStep, type LocalNode } from './start/node-step.ts';
import { apiserverArgsForNode } from './start/node/apiserver-for-node.ts';
import { hostAddress } from './start/node/real-node.ts';
import { BrokerEnvironmentReader, formatBrokerEnvironment } from './start/broker-environment.ts';

const DEMO_HANDLERS = ['opcua', 'onvif', 'modbus', 'udev'];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Things to stop on Ctrl-C, last started first. */
const cleanups: { what: string; stop: () => Promise<void> | void }[] = [];
/** Ctrl-C during the start-up steps: they fail at once and hand the terminal back. */
const interrupt = new AbortController();
let startup: Promise<unknown> = Promise.resolve();
let stopping = false;
async function stopAll(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  interrupt.abort();
  await startup.catch(() => undefined);
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

/** Problems seen outside the cluster (the node heartbeat failing): the live view lists them. */
const localProblems: string[] = [];
function noteProblem(message: string): void {
  localProblems.push(`${new Date().toISOString().slice(11, 19)} ${message}`);
  if (localProblems.length > 3) localProblems.shift();
}

/** Runs start-up steps; Ctrl-C abandons them (stopAll waits for the terminal to be given back). */
function steps(list: StartupStep[]): Promise<void> {
  const run = runStartupSteps(list, { signal: interrupt.signal });
  startup = run;
  return run;
}

function operatorStep(kubeconfig: string, dir: string, logDir: string, embed: string[], agentDirs: { kubeletDir?: string; stateDir?: string } = {}): StartupStep {
  return {
    title: `Controller and agent for node ${nodeName}`,
    async run(step) {
      const operator = new OperatorProcesses({ kubeconfig, nodeName, embed, dir, logDir, ...agentDirs });
      operator.start();
      cleanups.push({ what: 'the agent and the controller', stop: () => operator.stop() });
      step.title(`Started the controller and an agent for node ${nodeName} (handlers: ${embed.join(', ')}). Logs: ${logDir}`);
    },
  };
}

interface Started {
  kc: KubeConfig;
  header: string[];
  /** What the running brokers print, when a kubelet runs them. */
  brokers?: BrokerEnvironmentReader;
}

async function againstConfiguredCluster(kubeconfig: string): Promise<Started> {
  const kc = loadKubeConfig(kubeconfig);
  const server = kc.getCurrentCluster()?.server ?? 'unknown server';
  const dir = join(cacheDir, 'operator');
  say(`Using the cluster in KUBECONFIG (${server}).`);
  await steps([
    {
      title: 'akri.sh CRDs',
      async run(step) {
        await installCrds(kc);
        step.title('Installed the akri.sh CRDs: configurations.akri.sh (akric) and instances.akri.sh (akrii).');
      },
    },
    operatorStep(kubeconfig, dir, join(dir, 'logs'), ['debugEcho', 'onvif', 'opcua', 'udev', 'modbus']),
  ]);
  return { kc, header: [`akri-ts against ${server}, agent for node ${nodeName}`, 'Apply a Configuration with kubectl to see its Instances here.'] };
}

async function localDemo(setting: KubeletSetting): Promise<Started> {
  const dir = join(cacheDir, 'local-cluster');
  let endpoints: ControlPlaneEndpoints | undefined;
  let kc: KubeConfig | undefined;
  let node: LocalNode | undefined;
  const mode: NodeMode = chooseNodeMode(setting, setting === 'off' ? { missing: [] } : await gatherNodeFacts());
  const kubelet = mode.kind === 'kubelet';
  if (mode.kind === 'heartbeat' && setting === 'auto') {
    say(`No real kubelet, so broker Pods will stay Pending: ${mode.why}. (npm start -- --no-kubelet skips this check.)`);
  }
  const cluster = (): { endpoints: ControlPlaneEndpoints; kc: KubeConfig } => {
    if (!endpoints || !kc) throw new Error('the control plane has not started');
    return { endpoints, kc };
  };
  say(`akri-ts local demo on node ${nodeName} (state in ${dir})`);
  await steps([
    kubeBinariesStep(kubelet ? [...controlPlaneComponents(), 'kubelet', 'kube-proxy'] : controlPlaneComponents()),
    {
      title: 'Local control plane: etcd, kube-apiserver, kube-scheduler, kube-controller-manager',
      async run(step) {
        const states = new Map<string, string>();
        const plane = new ControlPlane({
          dir,
          // With a kubelet, pods reach the API server through the kubernetes Service, as on K3s.
          ...(kubelet ? { apiserverArgs: apiserverArgsForNode(hostAddress()) } : {}),
          onComponent(name, state) {
            states.set(name, state === 'healthy' ? `${name} ✔` : `${name} starting`);
            step.progress([...states.values()].join(' · '));
          },
        });
        cleanups.push({ what: 'the local control plane', stop: () => plane.stop() });
        const started = Date.now();
        endpoints = await plane.start();
        kc = loadKubeConfig(endpoints.kubeconfig);
        step.progress('installing the akri.sh CRDs');
        await installCrds(kc);
        step.title(`Control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${endpoints.server}, akri.sh CRDs installed`);
      },
    },
    nodeStep({
      nodeName,
      setting,
      mode,
      dir,
      cluster,
      onStop: (what, stop) => cleanups.push({ what, stop }),
      noteProblem,
      started: (n) => (node = n),
      interrupted: () => interrupt.signal.aborted,
    }),
    {
      title: 'Controller and agent',
      run: (step) =>
        operatorStep(cluster().endpoints.kubeconfig, dir, cluster().endpoints.logDir, DEMO_HANDLERS, {
          kubeletDir: node?.kubeletDir ?? 'none',
          // In the local cluster's directory, not the host's /var/lib/akri.
          stateDir: join(dir, 'agent', 'state'),
        }).run(step),
    },
    {
      title: 'Demo devices on loopback',
      async run(step) {
        const demo = await startDemoDevices(join(dir, 'demo'), (line) => step.progress(line));
        cleanups.push({ what: 'the demo devices', stop: () => demo.stop() });
        step.progress('applying one Configuration per handler');
        for (const c of demoConfigurations(demo.endpoints, node?.brokerImage)) await applyConfiguration(cluster().kc, c);
        step.title(`Demo devices on loopback (OPC UA server and LDS, ONVIF camera, Modbus TCP unit; udev: /dev/null, /dev/zero), one Configuration per handler`);
      },
    },
  ]);
  const { endpoints: ep, kc: client } = cluster();
  return {
    kc: client,
    header: [
      `akri-ts local demo: node ${nodeName}, API server ${ep.server}`,
      `kubectl: export KUBECONFIG=${ep.kubeconfig} PATH=${ep.binDir}:$PATH`,
      `Logs: ${ep.logDir}. ${node?.note ?? ''}`,
    ],
    ...(node?.kind === 'kubelet' ? { brokers: new BrokerEnvironmentReader(client) } : {}),
  };
}

try {
  const setting = kubeletSetting(process.argv.slice(2), process.env);
  const kubeconfig = process.env.KUBECONFIG;
  const { kc, header, brokers } = kubeconfig ? await againstConfiguredCluster(kubeconfig) : await localDemo(setting);
  const brokerSection = brokers ? async () => formatBrokerEnvironment(await brokers.read()) : undefined;
  const view = new LiveView(kc, () => header, () => localProblems, brokerSection);
  cleanups.push({ what: 'the live view', stop: () => view.stop() });
  view.start();
} catch (err) {
  // Interrupted: stopAll is already at work.
  if (!(err instanceof StartupInterrupted) && !interrupt.signal.aborted) {
    process.stderr.write(`akri-ts: ${(err as Error).message}\n`);
    await stopAll('error', 1);
  }
}
