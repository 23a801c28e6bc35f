// The Grafana dashboard the chart ships shows real data: the real agent and controller run as
// their own processes (`akri-ts agent`, `akri-ts controller`, as the images run them) against
// the test API server, with debugEcho and udev discovery, a kubelet stand-in that admits a pod
// (Allocate, a slot claimed and freed), a Configuration the handler rejects, and a broker Pod
// deleted and recreated. Their /metrics are then scraped and given the target labels that the
// chart's rendered ServiceMonitors give them; every panel query and variable query of the
// dashboard the chart renders must select series, group by labels those series have and name
// only legend labels its result has.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/schema';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataProblems, modelProblems } from '../../dashboards/dashboard-checks.ts';
import { parseExposition, targetLabels, withTargetLabels, type ServiceMonitorView } from '../../dashboards/scraped-series.ts';
import type { Series } from '../../dashboards/query-check.ts';
import { freePort } from '../../lib/net/free-port.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { ManagedProcess } from '../../lib/process/managed-process.ts';
import { helmTemplate } from '../helm/helm-cli.ts';
import { find, manifests } from '../helm/rendered.ts';
import { KubeletStandIn } from '../kubelet-stand-in/kubelet-stand-in.ts';
import { applyConfiguration, listInstances } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { TestKubelet } from './support/test-kubelet.ts';

const cluster = useTestCluster('dash');
const root = join(import.meta.dirname, '../..');
const TSX = join(root, 'node_modules/tsx/dist/esm/index.mjs');
const CLI = join(root, 'cli/akri-ts.ts');
const RELEASE = 'akri';
const scratch = mkdtempSync(join(tmpdir(), 'akri-ts-dashboard-'));

let nodeName: string;
let kubelet: TestKubelet;
let standIn: KubeletStandIn;
let agent: ManagedProcess;
let controller: ManagedProcess;
const ports = { agent: 0, controller: 0 };
let rendered: ReturnType<typeof manifests>;

const broker = { brokerPodSpec: { containers: [{ name: 'broker', image: 'registry.k8s.io/pause:3.10' }] } };

beforeAll(async () => {
  const chart = await helmTemplate({ serviceMonitor: { enabled: true }, grafanaDashboard: { enabled: true } });
  expect(chart.code, chart.stderr).toBe(0);
  rendered = manifests(chart.stdout);

  nodeName = `${cluster.namespace}-edge-${randomBytes(2).toString('hex')}`;
  kubelet = new TestKubelet(cluster.kc, cluster.namespace, [nodeName]);
  await kubelet.register();
  standIn = new KubeletStandIn({ kubeletDir: join(scratch, 'kubelet'), endpointGracePeriodMs: 1500, rpcTimeoutMs: 5000 });
  await standIn.start();

  ports.agent = await freePort();
  ports.controller = await freePort();
  const availability = join(scratch, 'debug-echo-availability.txt');
  writeFileSync(availability, 'ONLINE\n');
  const env = {
    ...process.env,
    KUBECONFIG: cluster.kubeconfig,
    DEBUG_ECHO_AVAILABILITY_FILE: availability,
    DEBUG_ECHO_POLL_MS: '200',
    DEBUG_ECHO_INSTANCES_SHARED: 'true',
    AKRI_LOG_LEVEL: 'info',
  };
  const node = (args: string[]) => ['--import', TSX, CLI, ...args];
  agent = new ManagedProcess({
    name: 'akri-ts agent',
    command: process.execPath,
    logFile: join(scratch, 'agent.log'),
    env,
    args: node([
      'agent', '--node', nodeName, '--namespace', cluster.namespace, '--kubeconfig', cluster.kubeconfig,
      '--handlers-dir', join(scratch, 'handlers'), '--kubelet-dir', join(scratch, 'kubelet'), '--state-dir', join(scratch, 'state'),
      '--metrics-port', String(ports.agent), '--embed', 'debugEcho,udev', '--instance-grace-period', '2',
      '--slot-reclaim-grace', '1', '--slot-reclaim-poll', '1', '--stale-resource-grace', '0',
    ]),
  });
  controller = new ManagedProcess({
    name: 'akri-ts controller',
    command: process.execPath,
    logFile: join(scratch, 'controller.log'),
    env,
    args: node([
      'controller', '--kubeconfig', cluster.kubeconfig, '--namespace', cluster.namespace, '--lease-namespace', cluster.namespace,
      '--identity', 'dashboard-test', '--metrics-port', String(ports.controller), '--lease-duration', '5',
    ]),
  });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(scratch, 'handlers'), { recursive: true });
  agent.start();
  controller.start();
});

afterAll(async () => {
  await agent?.stop();
  await controller?.stop();
  await standIn?.stop();
  await kubelet?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics on ${port}: HTTP ${res.status}`);
  return res.text();
}

/** The series Prometheus would store from one pod's scrape through the chart's ServiceMonitor. */
function asStored(component: 'agent' | 'controller', text: string, podNode: string): Series[] {
  const monitor = find(rendered, 'ServiceMonitor', `akri-akri-ts-${component}`) as unknown as ServiceMonitorView;
  const meta = {
    __meta_kubernetes_namespace: monitor.metadata.namespace ?? RELEASE,
    __meta_kubernetes_pod_name: `akri-akri-ts-${component}-x1`,
    __meta_kubernetes_pod_node_name: podNode,
    __meta_kubernetes_pod_container_name: component,
    __address__: `10.0.0.1:${component === 'agent' ? ports.agent : ports.controller}`,
  };
  const target = targetLabels(monitor, 0, `akri-akri-ts-${component}-metrics`, meta);
  return withTargetLabels(parseExposition(text), target, monitor.spec.endpoints[0]?.honorLabels ?? false);
}

async function brokerPods(): Promise<V1Pod[]> {
  const list = await kubeRequest<{ items: V1Pod[] }>(cluster.kc, { method: 'GET', path: `/api/v1/namespaces/${cluster.namespace}/pods`, query: { labelSelector: 'akri.sh/configuration' } });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

it(
  'every panel and variable of the shipped dashboard has data from the real agent and controller',
  async () => {
    const dashboard = JSON.parse(String((find(rendered, 'ConfigMap', 'akri-akri-ts-grafana-dashboard') as { data?: Record<string, string> }).data?.['akri-ts.json'])) as Dashboard;
    expect(modelProblems(dashboard)).toEqual([]);

    // Discovery: two shared debugEcho devices, /dev/null through udev, and details the handler rejects.
    await applyConfiguration(cluster.kc, cluster.namespace, 'dash-echo', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["cam-1", "cam-2"]' }, capacity: 2, brokerSpec: broker });
    await applyConfiguration(cluster.kc, cluster.namespace, 'dash-null', { discoveryHandler: { name: 'udev', discoveryDetails: `udevRules: ['KERNEL=="null"']` }, capacity: 1, brokerSpec: broker });
    await applyConfiguration(cluster.kc, cluster.namespace, 'dash-bad', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: 5' }, capacity: 1 });
    const instances = await eventually(async () => {
      const all = await listInstances(cluster.kc, cluster.namespace);
      if (all.length !== 3) throw new Error(`${all.length} Instances so far`);
      return all;
    }, 90_000);
    await eventually(async () => expect(await brokerPods()).toHaveLength(3), 60_000);

    // Allocate: the stand-in kubelet admits a pod onto one device, then the pod goes and the
    // slot is freed once pod-resources no longer lists it.
    const camera = instances.find((i) => i.spec.configurationName === 'dash-echo')?.metadata.name ?? '';
    const resource = `akri.sh/${camera}`;
    await standIn.waitFor(() => standIn.capacity()[resource]?.allocatable === 2, 60_000, `${resource} served`);
    const admitted = await standIn.admitPod({ uid: 'dash-pod', name: 'dash-pod', namespace: cluster.namespace, containers: [{ name: 'c', requests: { [resource]: 1 } }] });
    expect(admitted.admitted, admitted.admitted ? '' : admitted.message).toBe(true);
    standIn.removePod('dash-pod');

    // A broker Pod deleted is created again by the controller.
    const victim = (await brokerPods())[0];
    await kubeRequest(cluster.kc, { method: 'DELETE', path: `/api/v1/namespaces/${cluster.namespace}/pods/${victim?.metadata?.name}` });

    // Everything the dashboard asks for is on the scraped pages, with the ServiceMonitors' labels.
    let series: Series[] = [];
    const problems = await eventually(
      async () => {
        series = [
          ...asStored('agent', await scrape(ports.agent), nodeName),
          // The controller runs on some node; its own `node` label (the broker's) must survive.
          ...asStored('controller', await scrape(ports.controller), 'control-node'),
        ];
        const found = dataProblems(dashboard, series);
        if (found.length > 0) throw Object.assign(new Error('not yet'), { found });
        return found;
      },
      90_000,
      1000,
    ).catch((err: { found?: unknown }) => err.found ?? [String(err)]);
    expect(problems).toEqual([]);

    // The node label of the agent's series is the node the ServiceMonitor's relabeling names.
    expect(series.filter((s) => s.name === 'akri_instance_count').map((s) => s.labels.node)).toEqual(expect.arrayContaining([nodeName]));
    expect(series.find((s) => s.name === 'akri_device_plugin_slots' && s.labels.configuration === 'dash-echo' && s.labels.state === 'free')).toBeDefined();
    expect(series.find((s) => s.name === 'akri_broker_pod_count')?.labels.node).toBe(nodeName);
  },
  240_000,
);
