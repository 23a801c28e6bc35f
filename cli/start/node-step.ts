// The start-up step that gives `npm start`'s Node life (node-mode.ts decides how): a real kubelet
// on containerd with kube-proxy (cli/start/node/real-node.ts), so the demo's broker Pods run and
// take their slots; or, where this machine cannot run one, the heartbeat that keeps the Node
// Ready while the brokers stay Pending. When the kubelet was chosen automatically and fails to
// come up, what it started is stopped and the heartbeat takes over, with the reason in one line.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig, V1Endpoints, V1PodList } from '@kubernetes/client-node';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import type { ControlPlaneEndpoints } from './control-plane/control-plane.ts';
import { pkiPaths } from './control-plane/pki.ts';
import { NodeHeartbeat } from './node-heartbeat.ts';
import type { KubeletSetting, NodeMode } from './node-mode.ts';
import { RealNode } from './node/real-node.ts';
import type { StartupStep, StepReporter } from './startup-steps.ts';

export interface LocalNode {
  kind: 'kubelet' | 'heartbeat';
  /** The agent's --kubelet-dir: the kubelet's root, or "none" when no kubelet runs. */
  kubeletDir: string;
  /** The broker image the node's containerd holds, for the demo Configurations. */
  brokerImage?: string;
  /** One line for the view's header: what runs the broker Pods, or why nothing does. */
  note: string;
}

export interface NodeStepOptions {
  nodeName: string;
  setting: KubeletSetting;
  mode: NodeMode;
  /** The local cluster's directory; the node lives in <dir>/node while it runs. */
  dir: string;
  cluster: () => { endpoints: ControlPlaneEndpoints; kc: KubeConfig };
  /** Registers what Ctrl-C must stop. */
  onStop: (what: string, stop: () => Promise<void> | void) => void;
  noteProblem: (message: string) => void;
  started: (node: LocalNode) => void;
  /** Ctrl-C: the step list has given the terminal back. */
  interrupted: () => boolean;
}

const firstLine = (text: string): string => text.split('\n')[0] ?? text;

/**
 * The `kubernetes` Service's endpoints as an API server killed outright left them: this machine's
 * address with that server's port. The API server corrects the port only on its first
 * reconcile, which gives up while the dead server's lease on the same address is what it finds,
 * and kube-proxy would then route the Service to a closed port. Deleted, they are made again
 * with the right port within the reconcile interval (10 s).
 */
async function clearStaleServiceEndpoints(kc: KubeConfig, server: string): Promise<void> {
  const port = Number(new URL(server).port);
  const endpoints = await kubeRequest<V1Endpoints>(kc, { method: 'GET', path: '/api/v1/namespaces/default/endpoints/kubernetes' }).catch(() => undefined);
  const ports = (endpoints?.subsets ?? []).flatMap((s) => (s.ports ?? []).map((p) => p.port));
  if (ports.length === 0 || ports.includes(port)) return;
  await kubeRequest(kc, { method: 'DELETE', path: '/api/v1/namespaces/default/endpoints/kubernetes' }).catch(() => undefined);
  await kubeRequest(kc, { method: 'DELETE', path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes' }).catch(() => undefined);
}

/**
 * Pods a previous run left bound to this node, and the Node itself (a heartbeat's fake status
 * would pass for Ready before the kubelet has registered). Pods bound to a node are only gone
 * once its kubelet confirms, so they are deleted at once (grace 0); the controller makes new ones.
 */
async function clearLeftovers(kc: KubeConfig, nodeName: string): Promise<void> {
  const pods = await kubeRequest<V1PodList>(kc, { method: 'GET', path: '/api/v1/pods', query: { fieldSelector: `spec.nodeName=${nodeName}` } });
  for (const pod of pods.items) {
    const { namespace, name } = pod.metadata ?? {};
    if (!namespace || !name) continue;
    await kubeRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${namespace}/pods/${name}`, query: { gracePeriodSeconds: 0 } }).catch(() => undefined);
  }
  await kubeRequest(kc, { method: 'DELETE', path: `/api/v1/nodes/${nodeName}` }).catch(() => undefined);
}

async function startHeartbeat(o: NodeStepOptions, step: StepReporter, why: string): Promise<LocalNode> {
  const heartbeat = new NodeHeartbeat(o.cluster().kc, o.nodeName, o.noteProblem);
  await heartbeat.start();
  o.onStop(`the heartbeat of node ${o.nodeName}`, () => heartbeat.stop());
  step.title(`Registered node ${o.nodeName}, kept Ready by a heartbeat; no kubelet: ${why}`);
  return { kind: 'heartbeat', kubeletDir: 'none', note: `Broker Pods stay Pending, no kubelet runs containers here: ${why}.` };
}

async function startKubelet(o: NodeStepOptions, step: StepReporter): Promise<LocalNode> {
  const { endpoints, kc } = o.cluster();
  const pki = pkiPaths(join(o.dir, 'pki'));
  let starting = true;
  step.progress('removing what an earlier run left bound to this node');
  await clearLeftovers(kc, o.nodeName);
  await clearStaleServiceEndpoints(kc, endpoints.server);
  const node = new RealNode({
    dir: join(o.dir, 'node'),
    nodeName: o.nodeName,
    kc,
    server: endpoints.server,
    ca: { cert: pki.caCert, key: pki.caKey },
    kubeletBinary: join(endpoints.binDir, 'kubelet'),
    kubeProxyBinary: join(endpoints.binDir, 'kube-proxy'),
    kubeconfig: endpoints.kubeconfig,
    adminCert: pki.adminCert,
    adminKey: pki.adminKey,
    progress: (line) => {
      appendFileSync(join(endpoints.logDir, 'node.log'), `${new Date().toISOString()} ${line}\n`);
      // On the step's line too while it runs (not once Ctrl-C has taken the terminal back).
      if (starting && !o.interrupted()) step.progress(line);
    },
  });
  const started = Date.now();
  const starts = node.start();
  // Registered before the start ends: Ctrl-C meanwhile abandons the step, and the stop then waits
  // for the start to settle, so nothing it starts after the stop is left running.
  o.onStop(`the kubelet of node ${o.nodeName} (its pods, containerd, kube-proxy)`, async () => {
    await starts.catch(() => undefined);
    await node.stop();
  });
  const timings = await starts
    .catch(async (err: Error) => {
      step.progress(`${firstLine(err.message)}; stopping what was started`);
      await node.stop().catch(() => undefined);
      throw err;
    })
    .finally(() => (starting = false));
  const broker = node.images?.broker.ref;
  step.title(
    `Node ${o.nodeName}: a real kubelet on containerd with kube-proxy, Ready in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(images ${timings.imagesBuilt ? 'built' : 'cached'}; broker image ${broker})`,
  );
  return {
    kind: 'kubelet',
    kubeletDir: node.layout.rootDir,
    ...(broker ? { brokerImage: broker } : {}),
    note: `Broker Pods run on the kubelet of node ${o.nodeName} (containerd, runc); its logs until Ctrl-C: ${join(o.dir, 'node', 'logs')}.`,
  };
}

export function nodeStep(o: NodeStepOptions): StartupStep {
  return {
    title: o.mode.kind === 'kubelet' ? `Node ${o.nodeName}: a real kubelet (containerd, runc, kube-proxy)` : `Node ${o.nodeName}`,
    async run(step) {
      if (o.mode.kind === 'heartbeat') {
        o.started(await startHeartbeat(o, step, o.mode.why));
        return;
      }
      try {
        o.started(await startKubelet(o, step));
      } catch (err) {
        if (o.setting === 'on') throw err;
        // Chosen automatically: the demo still runs, only its brokers do not.
        const why = `the kubelet did not come up (${firstLine((err as Error).message)})`;
        o.noteProblem(why);
        o.started(await startHeartbeat(o, step, why));
      }
    },
  };
}
