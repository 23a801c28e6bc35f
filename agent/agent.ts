// One node's agent: the Registration server for discovery handlers, the informers of
// Configurations and Instances (caches that only their watches write), a work queue of
// Configuration keys, and /metrics. Everything node-specific is injected, so a test process
// can run several agents as several nodes.
import type { Registry } from 'prom-client';
import { deviceAllocationOf, type Configuration } from '../lib/crd/configuration.ts';
import { DRA_DRIVER } from '../lib/dra/driver.ts';
import { RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceClaim, type ResourceSlice } from '../lib/dra/resource-api.ts';
import { KubeApiError } from '../lib/kube/raw-request.ts';
import type { Instance } from '../lib/crd/instance.ts';
import type { DiscoveryHandler } from '../lib/discovery/handler.ts';
import { EventRecorder } from '../lib/kube/event-recorder.ts';
import type { KubeAccess } from '../lib/kube/raw-request.ts';
import type { Logger } from '../lib/observability/logger.ts';
import { WorkQueue } from '../lib/reconcile/work-queue.ts';
import { systemClock, type Clock } from '../lib/time/clock.ts';
import { ConfigurationReconciler } from './configuration/configuration-reconciler.ts';
import { ReferencedObjects } from './configuration/referenced-objects.ts';
import type { NamespaceGrant } from './configuration/reference-policy.ts';
import { embeddedEndpoint, HandlerRegistry } from './handlers/handler-registry.ts';
import { serveRegistration, type RegistrationServer } from './handlers/registration-server.ts';
import { AgentApi } from './kube/agent-api.ts';
import { Informer, apiListerWatcher, type ChangeType } from '../lib/reconcile/informer.ts';
import { BY_CONFIGURATION, instanceConfiguration } from '../lib/reconcile/indexes.ts';
import { AgentMetrics } from './observability/agent-metrics.ts';
import { DevicePluginMetrics } from './observability/device-plugin-metrics.ts';
import { DevicePluginManager } from './device-plugin/device-plugin-manager.ts';
import { DeviceStore } from './devices/device-store.ts';
import { DraNode } from './dra/dra-node.ts';
import { serveMetrics, type HttpEndpoint } from '../lib/process/process-shell.ts';

export interface AgentOptions {
  nodeName: string;
  /** Where handlers find agent-registration.sock and put their own sockets (Akri: /var/lib/akri). */
  handlersDir: string;
  /** client-node's KubeConfig, or lib/kube/lite-kube-config.ts, which spares the agent loading client-node. */
  kubeConfig: KubeAccess;
  logger: Logger;
  registry: Registry;
  /** Time and timers for everything the agent does (systemClock unless a test moves time). */
  clock?: Clock;
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
  /**
   * Dynamic Resource Allocation for Configurations with spec.deviceAllocation: DRA: this node's
   * ResourceSlices, and (with kubeletDir) the kubelet DRA plugin writing CDI spec files to cdiDir.
   * Unset: DRA Configurations get neither slices nor device plugins on this node.
   */
  dra?: { cdiDir: string };
}

export const DEFAULT_GRACE_PERIOD_SECONDS = 60;
export const DEFAULT_SLOT_RECLAIM_GRACE_MS = 30_000;

export class Agent {
  readonly handlers = new HandlerRegistry();
  /** Each Configuration's latest discovery snapshot on this node, for the device backends. */
  readonly devices = new DeviceStore();
  readonly metrics: AgentMetrics;
  private readonly api: AgentApi;
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly configurations: Informer<Configuration>;
  private readonly instances: Informer<Instance>;
  private readonly referenced: ReferencedObjects;
  private readonly reconciler: ConfigurationReconciler;
  private registration: RegistrationServer | undefined;
  private metricsServer: HttpEndpoint | undefined;
  readonly devicePlugins: DevicePluginManager | undefined;
  readonly dra: DraNode | undefined;
  /** This node's ResourceSlices of our driver (DRA only). */
  private readonly slices: Informer<ResourceSlice> | undefined;
  private readonly draWarned = new Set<string>();

  constructor(private readonly o: AgentOptions) {
    const clock = o.clock ?? systemClock;
    this.log = o.logger.child({ component: 'agent', node: o.nodeName });
    this.metrics = new AgentMetrics(o.registry);
    this.api = new AgentApi(o.kubeConfig, this.metrics);
    // Nothing is decided before the Configurations are known: a key whose Configuration is
    // merely not listed yet must not look deleted.
    this.queue = new WorkQueue(async (key) => {
      await this.configurations.waitForSync();
      try {
        await this.reconciler.reconcile(key);
        this.metrics.reconciles.inc({ result: 'ok' });
      } catch (err) {
        this.metrics.reconciles.inc({ result: 'error' });
        throw err;
      }
    }, {
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      clock,
      onError: (key, err, attempt) => this.log.warn('reconcile failed; retrying', { key, attempt, error: (err as Error).message }),
    });
    const scope = o.namespace ? `/namespaces/${o.namespace}` : '';
    const informer = <T extends Configuration | Instance | ResourceSlice>(
      plural: string,
      onEvent: (type: ChangeType, obj: T, old: T | undefined) => void,
      indexes = {},
      path = `/apis/akri.sh/v0${scope}/${plural}`,
      fieldSelector?: string,
    ) => {
      return new Informer<T>({
        source: apiListerWatcher<T>(this.api.kc, path, { fieldSelector }),
        name: path,
        logger: this.log,
        clock,
        indexes,
        onEvent,
        onRequest: (verb) => this.api.countInformerRequest(verb),
      });
    };
    this.configurations = informer<Configuration>('configurations', (type, c, old) => {
      if (this.reconciler.needsPlanForConfiguration(type, c, old)) this.queue.add(`${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
      // A switch between device plugins and DRA moves the Configuration's devices between them.
      if (type !== 'MODIFIED' || deviceAllocationOf(c.spec) !== deviceAllocationOf(old?.spec ?? {})) this.devicePlugins?.configurationsChanged();
      this.draConfigurationSeen(c);
      this.dra?.changed();
    });
    this.instances = informer<Instance>(
      'instances',
      (type, i, old) => {
        this.devicePlugins?.instanceChanged(type, i);
        this.dra?.changed();
        if (this.reconciler.needsPlanForInstance(type, i, old)) this.queue.add(instanceConfiguration(i)[0] ?? '');
      },
      { [BY_CONFIGURATION]: instanceConfiguration },
    );
    const events = new EventRecorder(o.kubeConfig, 'akri-agent', o.nodeName, () => new Date(clock.now()));
    if (o.dra) {
      this.slices = informer<ResourceSlice>('resourceslices', () => this.dra?.changed(), {}, RESOURCE_SLICES_PATH, `spec.nodeName=${o.nodeName},spec.driver=${DRA_DRIVER}`);
      this.dra = new DraNode({
        node: o.nodeName,
        kubeletDir: o.kubeletDir,
        cdiDir: o.dra.cdiDir,
        stateDir: o.stateDir,
        api: {
          apply: (path, object, fieldManager, force) => this.api.apply(path, object, fieldManager, force),
          remove: async (path, uid) => {
            await this.api.request({ method: 'DELETE', path, body: uid ? { preconditions: { uid } } : undefined }).catch((err: unknown) => {
              if (!(err instanceof KubeApiError && (err.status === 404 || err.status === 409))) throw err;
            });
          },
          readClaim: (ns, name) => this.api.request<ResourceClaim>({ method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${ns}/resourceclaims/${name}` }),
          nodeUid: async (node) => (await this.api.request<{ metadata?: { uid?: string } }>({ method: 'GET', path: `/api/v1/nodes/${node}` })).metadata?.uid,
        },
        instances: () => this.instances.list(),
        configuration: (ns, name) => this.configurations.get(`${ns}/${name}`),
        slices: () => this.slices?.list() ?? [],
        devices: this.devices,
        attributeReport: (i, message) =>
          void events.record({ apiVersion: 'akri.sh/v0', kind: 'Instance', name: i.metadata.name ?? '', namespace: i.metadata.namespace, uid: i.metadata.uid }, 'Normal', 'DeviceAttributesLimited', message),
        registry: o.registry,
        log: this.log,
      });
    }
    if (o.kubeletDir !== undefined) {
      this.devicePlugins = new DevicePluginManager({
        // DRA Configurations' devices are ResourceSlices, never device plugins.
        servesConfiguration: (ns, name) => deviceAllocationOf(this.configurations.get(`${ns}/${name}`)?.spec ?? {}) !== 'DRA',
        node: o.nodeName,
        kubeletDir: o.kubeletDir,
        stateDir: o.stateDir,
        api: this.api,
        devices: this.devices,
        events,
        metrics: new DevicePluginMetrics(o.registry),
        log: this.log,
        clock,
        reclaimGraceMs: o.slotReclaimGraceMs ?? DEFAULT_SLOT_RECLAIM_GRACE_MS,
        reclaimPollMs: o.slotReclaimPollMs ?? 5000,
        staleResourceGraceMs: o.staleResourceGraceMs,
        staleResourcePollMs: o.staleResourcePollMs,
      });
    }
    this.referenced = new ReferencedObjects(this.api, this.log, clock, (key) => this.queue.add(key));
    this.handlers.on('changed', (name) => {
      for (const c of this.configurations.list()) {
        if (c.spec.discoveryHandler.name === name) this.queue.add(`${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
      }
    });
    this.reconciler = new ConfigurationReconciler({
      node: o.nodeName,
      api: this.api,
      configurations: this.configurations,
      instancesOf: (ns, cfg) => this.instances.byIndex(BY_CONFIGURATION, `${ns}/${cfg}`),
      referenced: this.referenced,
      registry: this.handlers,
      metrics: this.metrics,
      events,
      log: this.log,
      clock,
      defaultGraceSeconds: o.defaultGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS,
      requeueAfter: (key, ms) => this.queue.addAfter(key, ms),
      requeue: (key) => this.queue.add(key),
      writeConcurrency: o.writeConcurrency ?? 16,
      maxBackoffMs: o.maxStreamBackoffMs,
      devices: this.devices,
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
    // Prepared claims are in the DRA checkpoint: the kubelet is served before the API answers.
    await this.dra?.start();
    // Instances first, so the first plan for each Configuration sees what already exists.
    await this.instances.start();
    // The checkpoint's devices and Instances that the API server no longer has are dropped.
    this.devices.retainInstances(new Set(this.instances.list().map((i) => `${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`)));
    this.devicePlugins?.instancesListed(this.instances.list());
    await this.configurations.start();
    await this.slices?.start();
    this.dra?.changed();
    this.log.info('agent started', { handlersDir: this.o.handlersDir, registrationSocket: this.registration.socketPath });
  }

  /** A DRA Configuration on an agent without DRA gets nothing here: say so, once per Configuration. */
  private draConfigurationSeen(c: Configuration): void {
    if (this.o.dra || deviceAllocationOf(c.spec) !== 'DRA') return;
    const key = `${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`;
    if (this.draWarned.has(key)) return;
    this.draWarned.add(key);
    this.log.warn('this Configuration asks for DRA, which this agent does not serve (--dra; chart: dra.enabled): its devices get neither ResourceSlices nor device plugins on this node', { configuration: key });
  }

  /** Stops everything in this process and leaves the API untouched, as a killed agent would. */
  async stop(): Promise<void> {
    this.queue.stop();
    this.configurations.stop();
    this.instances.stop();
    this.referenced.stop();
    this.reconciler.stopAll();
    await this.devicePlugins?.stop();
    this.slices?.stop();
    await this.dra?.stop();
    await this.registration?.close();
    await this.metricsServer?.close();
  }
}
