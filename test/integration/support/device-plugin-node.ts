// A node for device-plugin tests: an agent (debugEcho or a fixture handler embedded) with its
// own kubelet directory, state directory and kubelet stand-in, so several nodes share one
// test process. Pods are admitted through the stand-in the way a kubelet admits them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { Agent } from '../../../agent/agent.ts';
import type { DiscoveryHandler } from '../../../lib/discovery/handler.ts';
import type { KubeAccess } from '../../../lib/kube/raw-request.ts';
import { Logger } from '../../../lib/observability/logger.ts';
import { DebugEchoAvailability } from '../../../discovery-handlers/debug-echo/availability.ts';
import { DebugEchoHandler } from '../../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import type { ContainerAllocateResponse__Output } from '../../../lib/proto/generated/v1beta1/ContainerAllocateResponse.ts';
import { KubeletStandIn, type AdmissionResult } from '../../kubelet-stand-in/kubelet-stand-in.ts';
import { DraKubeletStandIn } from '../../kubelet-stand-in/dra-kubelet-stand-in.ts';

export interface DevicePluginNodeOptions {
  availability?: DebugEchoAvailability;
  shared?: boolean;
  extraHandlers?: DiscoveryHandler[];
  graceSeconds?: number;
  slotReclaimGraceMs?: number;
  /** How long the stand-in keeps a resource whose plugin went away (kubelet: 5 minutes). */
  endpointGracePeriodMs?: number;
  /** The agent serves DRA (--dra), and a DRA kubelet stand-in shares the kubelet directory. */
  dra?: boolean;
}

export class DevicePluginNode {
  agent: Agent | undefined;
  readonly kubelet: KubeletStandIn;
  /** The kubelet's DRA side, when the node runs DRA. */
  readonly draKubelet: DraKubeletStandIn | undefined;
  readonly echo: DebugEchoHandler;
  readonly dir: string;
  readonly kubeletDir: string;
  readonly stateDir: string;
  /** Where the agent writes CDI spec files (DRA). */
  readonly cdiDir: string;

  constructor(
    readonly name: string,
    private kc: KubeAccess,
    private readonly namespace: string,
    private readonly options: DevicePluginNodeOptions = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `akri-ts-dp-${name}-`));
    this.kubeletDir = join(this.dir, 'kubelet');
    this.stateDir = join(this.dir, 'state');
    this.cdiDir = join(this.dir, 'cdi');
    this.draKubelet = options.dra ? new DraKubeletStandIn({ kubeletDir: this.kubeletDir, pollMs: 100 }) : undefined;
    this.kubelet = new KubeletStandIn({ kubeletDir: this.kubeletDir, endpointGracePeriodMs: options.endpointGracePeriodMs ?? 1500, rpcTimeoutMs: 5000 });
    this.echo = new DebugEchoHandler({ shared: options.shared ?? true, availability: new DebugEchoAvailability(undefined, options.availability), pollMs: 200 });
  }

  /** Points the agent at another API server (a test's own control plane). */
  useKubeConfig(kc: KubeAccess): void {
    this.kc = kc;
  }

  /** Starts the agent; resolves once it is serving (it may still wait for the API server). */
  startAgent(): { agent: Agent; started: Promise<void> } {
    const registry = new Registry();
    const agent = new Agent({
      nodeName: this.name,
      handlersDir: join(this.dir, 'handlers'),
      kubeConfig: this.kc,
      logger: new Logger({ test: true }, (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error'),
      registry,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      namespace: this.namespace,
      defaultGracePeriodSeconds: this.options.graceSeconds ?? 2,
      maxStreamBackoffMs: 1000,
      embeddedHandlers: [this.echo, ...(this.options.extraHandlers ?? [])],
      kubeletDir: this.kubeletDir,
      stateDir: this.stateDir,
      slotReclaimGraceMs: this.options.slotReclaimGraceMs ?? 2000,
      slotReclaimPollMs: 250,
      dra: this.options.dra ? { cdiDir: this.cdiDir } : undefined,
    });
    this.agent = agent;
    return { agent, started: agent.start() };
  }

  async start(): Promise<this> {
    await import('node:fs').then((fs) => fs.mkdirSync(join(this.dir, 'handlers'), { recursive: true }));
    await this.kubelet.start();
    this.draKubelet?.start();
    await this.startAgent().started;
    return this;
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
  }

  async stop(): Promise<void> {
    await this.stopAgent();
    this.draKubelet?.stop();
    await this.kubelet.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  admit(pod: string, resource: string, count = 1): Promise<AdmissionResult> {
    return this.kubelet.admitPod({ uid: `${this.name}-${pod}`, name: pod, namespace: this.namespace, containers: [{ name: 'c', requests: { [resource]: count } }] });
  }

  /**
   * Waits until the stand-in offers `resource` with one free slot, admits one pod for it and
   * returns the plugin's Allocate response for its container; throws if either does not happen.
   */
  async admitOnceServed(pod: string, resource: string, timeoutMs = 60_000): Promise<ContainerAllocateResponse__Output> {
    await this.kubelet.waitFor(() => this.kubelet.capacity()[resource]?.capacity === 1 && this.kubelet.capacity()[resource]?.allocatable === 1, timeoutMs, `${resource} served`);
    const admitted = await this.admit(pod, resource);
    if (!admitted.admitted) throw new Error(`pod ${pod} was refused ${resource}: ${admitted.message}`);
    const response = admitted.allocations[0]?.response;
    if (!response) throw new Error(`pod ${pod} got no Allocate response for ${resource}`);
    return response;
  }

  removePod(pod: string): void {
    this.kubelet.removePod(`${this.name}-${pod}`);
  }

  /** Healthy devices of a resource not yet given to a pod on this node: what the scheduler sees. */
  freeAllocatable(resource: string): number {
    const used = new Set(
      (this.kubelet.listPodResources().podResources ?? []).flatMap((p) =>
        (p.containers ?? []).flatMap((c) => (c.devices ?? []).filter((d) => d.resourceName === resource).flatMap((d) => d.deviceIds ?? [])),
      ),
    );
    if (!this.kubelet.isRegistered(resource)) return 0;
    return Object.entries(this.kubelet.devices(resource)).filter(([id, h]) => h === 'Healthy' && !used.has(id)).length;
  }

  async metrics(): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.agent?.metricsPort ?? 0}/metrics`);
    return res.text();
  }
}

export function dpNodeNames(count: number, prefix = 'dp'): string[] {
  const tag = randomBytes(2).toString('hex');
  return Array.from({ length: count }, (_, i) => `${prefix}-${tag}-${String.fromCharCode(97 + i)}`);
}
