// One node's agent: the Registration server for discovery handlers, the watch-fed caches of
// Configurations and Instances, a work queue of Configuration keys, and /metrics. Everything
// node-specific is injected, so a test process can run several agents as several nodes.
import type { Registry } from 'prom-client';
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import type { DiscoveryHandler } from '../lib/discovery/handler.ts';
import { EventRecorder } from '../lib/kube/event-recorder.ts';
import type { KubeAccess } from '../lib/kube/raw-request.ts';
import type { Logger } from '../lib/observability/logger.ts';
import { WorkQueue } from '../lib/reconcile/work-queue.ts';
import { ConfigurationReconciler } from './configuration/configuration-reconciler.ts';
import { ReferencedObjects } from './configuration/referenced-objects.ts';
import type { NamespaceGrant } from './configuration/reference-policy.ts';
import { embeddedEndpoint, HandlerRegistry } from './handlers/handler-registry.ts';
import { serveRegistration, type RegistrationServer } from './handlers/registration-server.ts';
import { AgentApi } from './kube/agent-api.ts';
import { ListWatch, type ChangeType } from './kube/list-watch.ts';
import { AgentMetrics } from './observability/agent-metrics.ts';
import { DevicePluginMetrics } from './observability/device-plugin-metrics.ts';
import { DevicePluginManager } from './device-plugin/device-plugin-manager.ts';
import { changesPlan } from './instances/changes-plan.ts';
import { serveMetrics, type MetricsServer } from './observability/metrics-server.ts';

export interface AgentOptions {
  nodeName: string;
  /** Where handlers find agent-registration.sock and put their own sockets (Akri: /var/lib/akri). */
  handlersDir: string;
  /** client-node's KubeConfig, or lib/kube/lite-kube-config.ts, which spares the agent loading client-node. */
  kubeConfig: KubeAccess;
  logger: Logger;
  registry: Registry;
  /** Milliseconds since the epoch; tests may move it. */
  now?: () => number;
  /** Port for /metrics; 0 picks a free one; undefined serves none. */
  metricsPort?: number;
  metricsHost?: string;
  /** Handlers run inside this process (no socket), e.g. debugEcho. */
  embeddedHandlers?: DiscoveryHandler[];
  /** Grace period for Configurations that do not set spec.instanceGracePeriodSeconds. */
  defaultGracePeriodSeconds?: number;
  /** Watch one namespace only; all namespaces when unset. */
  namespace?: string;
  /** Upper bound for the retry delay of a lost Discover stream. */
  maxStreamBackoffMs?: number;
  writeConcurrency?: number;
  /**
   * The kubelet's root directory (device-plugins/ and pod-resources/ under it). Device plugins
   * are served only when set: /var/lib/kubelet, or /var/snap/microk8s/common/var/lib/kubelet.
   */
  kubeletDir?: string;
  /** Where the node-local checkpoint of the slot ledger is kept; none when unset. */
  stateDir?: string;
  /** A slot absent from the kubelet's pod-resources for this long is freed (default 30 s). */
  slotReclaimGraceMs?: number;
  /** How often pod-resources is polled (default 5 s). */
  slotReclaimPollMs?: number;
  /** An unserved akri.sh/* entry of this Node reading 0 this long is removed (default 5.5 min; 0: never). */
  staleResourceGraceMs?: number;
  staleResourcePollMs?: number;
  /**
   * Namespaces besides its own whose Secrets and ConfigMaps a Configuration's discoveryProperties
   * may name (none by default: a reference elsewhere is refused with an Event).
   */
  namespaceGrants?: readonly NamespaceGrant[];
  /** GID that owns the handlers directory and registration socket (the handlers' group); unset: the agent's own. */
  socketGroup?: number;
}

export const DEFAULT_GRACE_PERIOD_SECONDS = 60;
export const DEFAULT_SLOT_RECLAIM_GRACE_MS = 30_000;

export class Agent {
  readonly handlers = new HandlerRegistry();
  readonly metrics: AgentMetrics;
  private readonly api: AgentApi;
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly configurations: ListWatch<Configuration>;
  private readonly instances: ListWatch<Instance>;
  private readonly byConfiguration = new Map<string, Map<string, Instance>>();
  private readonly referenced: ReferencedObjects;
  private readonly reconciler: ConfigurationReconciler;
  private registration: RegistrationServer | undefined;
  private metricsServer: MetricsServer | undefined;
  readonly devicePlugins: DevicePluginManager | undefined;

  constructor(private readonly o: AgentOptions) {
    this.log = o.logger.child({ component: 'agent', node: o.nodeName });
    this.metrics = new AgentMetrics(o.registry);
    this.api = new AgentApi(o.kubeConfig, this.metrics);
    // Nothing is decided before the Configurations are known: a key whose Configuration is
    // merely not listed yet must not look deleted.
    this.queue = new WorkQueue(async (key) => {
      await this.configurations.waitForSync();
      await this.reconciler.reconcile(key);
    }, {
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      onError: (key, err, attempt) => this.log.warn('reconcile failed; retrying', { key, attempt, error: (err as Error).message }),
    });
    const scope = o.namespace ? `/namespaces/${o.namespace}` : '';
    this.configurations = new ListWatch<Configuration>(
      this.api,
      `/apis/akri.sh/v0${scope}/configurations`,
      (_t, c) => this.queue.add(`${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`),
      this.log,
    );
    this.instances = new ListWatch<Instance>(
      this.api,
      `/apis/akri.sh/v0${scope}/instances`,
      (type, i, old) => {
        this.indexInstance(type, i, old);
        this.devicePlugins?.instanceChanged(type, this.instances.get(`${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`) ?? i);
      },
      this.log,
    );
    const events = new EventRecorder(o.kubeConfig, 'akri-agent', o.nodeName);
    if (o.kubeletDir !== undefined) {
      this.devicePlugins = new DevicePluginManager({
        node: o.nodeName,
        kubeletDir: o.kubeletDir,
        stateDir: o.stateDir,
        api: this.api,
        events,
        metrics: new DevicePluginMetrics(o.registry),
        log: this.log,
        now: o.now ?? Date.now,
        reclaimGraceMs: o.slotReclaimGraceMs ?? DEFAULT_SLOT_RECLAIM_GRACE_MS,
        reclaimPollMs: o.slotReclaimPollMs ?? 5000,
        staleResourceGraceMs: o.staleResourceGraceMs,
        staleResourcePollMs: o.staleResourcePollMs,
      });
    }
    this.referenced = new ReferencedObjects(this.api, this.log, (key) => this.queue.add(key));
    this.handlers.on('changed', (name) => {
      for (const c of this.configurations.list()) {
        if (c.spec.discoveryHandler.name === name) this.queue.add(`${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
      }
    });
    this.reconciler = new ConfigurationReconciler({
      node: o.nodeName,
      api: this.api,
      configurations: this.configurations,
      instancesOf: (ns, cfg) => [...(this.byConfiguration.get(`${ns}/${cfg}`)?.values() ?? [])],
      recordInstance: (i) => {
        this.instances.upsert(i);
        const cur = this.instances.get(`${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`);
        if (cur) this.indexInstance('MODIFIED', cur, undefined);
      },
      referenced: this.referenced,
      registry: this.handlers,
      metrics: this.metrics,
      events,
      log: this.log,
      now: o.now ?? Date.now,
      defaultGraceSeconds: o.defaultGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS,
      requeueAfter: (key, ms) => this.queue.addAfter(key, ms),
      requeue: (key) => this.queue.add(key),
      writeConcurrency: o.writeConcurrency ?? 16,
      maxBackoffMs: o.maxStreamBackoffMs,
      devicesSeen: this.devicePlugins ? (d) => this.devicePlugins?.devicesSeen(d) : undefined,
      namespaceGrants: o.namespaceGrants,
    });
  }

  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  async start(): Promise<void> {
    if (this.o.metricsPort !== undefined) this.metricsServer = await serveMetrics(this.o.registry, this.o.metricsPort, this.o.metricsHost);
    for (const h of this.o.embeddedHandlers ?? []) this.handlers.add(embeddedEndpoint(h));
    this.registration = await serveRegistration(this.o.handlersDir, this.handlers, this.log, this.o.socketGroup);
    // Devices from the checkpoint are served before the API server has answered: an agent
    // restarted while it is away keeps the node's pods supplied.
    await this.devicePlugins?.start();
    // Instances first, so the first plan for each Configuration sees what already exists.
    this.instances.start();
    await this.instances.waitForSync();
    this.devicePlugins?.instancesListed(this.instances.list());
    this.configurations.start();
    await this.configurations.waitForSync();
    this.log.info('agent started', { handlersDir: this.o.handlersDir, registrationSocket: this.registration.socketPath });
  }

  /** Stops everything in this process and leaves the API untouched, as a killed agent would. */
  async stop(): Promise<void> {
    this.queue.stop();
    this.configurations.stop();
    this.instances.stop();
    this.referenced.stop();
    this.reconciler.stopAll();
    await this.devicePlugins?.stop();
    await this.registration?.close();
    await this.metricsServer?.close();
  }

  private indexInstance(type: ChangeType, i: Instance, old: Instance | undefined): void {
    const ns = i.metadata.namespace ?? '';
    const name = i.metadata.name ?? '';
    if (old && old.spec.configurationName !== i.spec.configurationName) this.byConfiguration.get(`${ns}/${old.spec.configurationName}`)?.delete(name);
    const key = `${ns}/${i.spec.configurationName}`;
    let m = this.byConfiguration.get(key);
    if (!m) this.byConfiguration.set(key, (m = new Map()));
    if (type === 'DELETED') m.delete(name);
    else m.set(name, this.instances.get(`${ns}/${name}`) ?? i);
    if (changesPlan(type, i, old)) this.queue.add(key);
  }
}
