// Several agents in one test process, each acting as its own node with its own handlers
// directory, metrics registry and debugEcho handler (embedded, or external over UDS or TCP
// through the SDK). Devices that several nodes "see" share one availability switch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { Agent } from '../../../agent/agent.ts';
import { runHandler, type RunningHandler } from '../../../lib/discovery/run-handler.ts';
import { Logger } from '../../../lib/observability/logger.ts';
import { DebugEchoAvailability } from '../../../discovery-handlers/debug-echo/availability.ts';
import { DebugEchoHandler } from '../../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import { kubeRequest } from '../../../lib/kube/raw-request.ts';
import type { Instance } from '../../../lib/crd/instance.ts';
import type { Configuration } from '../../../lib/crd/configuration.ts';

export type HandlerMode = 'embedded' | 'uds' | 'tcp' | 'none';

export interface NodeOptions {
  handler?: HandlerMode;
  shared?: boolean;
  availability?: DebugEchoAvailability;
  graceSeconds?: number;
}

export class TestNode {
  agent: Agent | undefined;
  handler: RunningHandler | undefined;
  readonly echo: DebugEchoHandler;
  readonly dir: string;

  constructor(
    readonly name: string,
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly options: NodeOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `akri-ts-${name}-`));
    // This node's own view, under the shared one: a test can take a device away from one node.
    const view = new DebugEchoAvailability(undefined, options.availability);
    this.echo = new DebugEchoHandler({ shared: options.shared ?? false, availability: view, pollMs: 200 });
  }

  async startAgent(): Promise<Agent> {
    this.agent = new Agent({
      nodeName: this.name,
      handlersDir: this.dir,
      kubeConfig: this.kc,
      logger: new Logger({ test: true }, (process.env.AKRI_LOG_LEVEL as 'debug' | undefined) ?? 'error'),
      registry: new Registry(),
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      namespace: this.namespace,
      defaultGracePeriodSeconds: this.options.graceSeconds ?? 2,
      maxStreamBackoffMs: 1000,
      embeddedHandlers: this.options.handler === 'embedded' ? [this.echo] : [],
    });
    await this.agent.start();
    return this.agent;
  }

  async stopAgent(): Promise<void> {
    await this.agent?.stop();
    this.agent = undefined;
  }

  async startHandler(mode: 'uds' | 'tcp' = this.options.handler === 'tcp' ? 'tcp' : 'uds'): Promise<void> {
    this.handler = await runHandler(this.echo, { dir: this.dir, pollMs: 200, ...(mode === 'tcp' ? { tcp: { port: 0 } } : {}) });
  }

  async stopHandler(): Promise<void> {
    await this.handler?.stop();
    this.handler = undefined;
  }

  async start(): Promise<this> {
    await this.startAgent();
    const mode = this.options.handler ?? 'embedded';
    if (mode === 'uds' || mode === 'tcp') await this.startHandler(mode);
    return this;
  }

  async stop(): Promise<void> {
    await this.stopHandler();
    await this.stopAgent();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async metrics(): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.agent?.metricsPort ?? 0}/metrics`);
    return res.text();
  }
}

export function nodeNames(count: number, prefix = 'node'): string[] {
  const tag = randomBytes(2).toString('hex');
  return Array.from({ length: count }, (_, i) => `${prefix}-${tag}-${String.fromCharCode(97 + i)}`);
}

export async function listInstances(kc: KubeConfig, namespace: string, configuration?: string): Promise<Instance[]> {
  const res = await kubeRequest<{ items: Instance[] }>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${namespace}/instances` });
  return res.items.filter((i) => configuration === undefined || i.spec.configurationName === configuration);
}

export async function getConfiguration(kc: KubeConfig, namespace: string, name: string): Promise<Configuration | undefined> {
  return kubeRequest<Configuration>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${namespace}/configurations/${name}` }).catch(() => undefined);
}

export async function applyConfiguration(kc: KubeConfig, namespace: string, name: string, spec: Record<string, unknown>): Promise<Configuration> {
  return kubeRequest<Configuration>(kc, {
    method: 'PATCH',
    path: `/apis/akri.sh/v0/namespaces/${namespace}/configurations/${name}`,
    query: { fieldManager: 'test-user', force: true },
    contentType: 'application/apply-patch+yaml',
    body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name, namespace }, spec },
  });
}

export async function deleteConfiguration(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await kubeRequest(kc, { method: 'DELETE', path: `/apis/akri.sh/v0/namespaces/${namespace}/configurations/${name}` }).catch(() => undefined);
}

export async function listEvents(kc: KubeConfig, namespace: string, objectName: string): Promise<Array<{ reason: string; message: string; type: string }>> {
  const res = await kubeRequest<{ items: Array<{ reason: string; message: string; type: string; involvedObject: { name: string } }> }>(kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/events`,
  });
  return res.items.filter((e) => e.involvedObject.name === objectName);
}
