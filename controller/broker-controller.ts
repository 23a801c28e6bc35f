// The running controller: watch-fed caches of Configurations, Instances, broker Pods, Jobs,
// Services and Nodes; a work queue of Instance and Configuration keys; and, while this replica
// holds the leader Lease, reconciles that carry out the pure decisions of broker-plan.ts,
// configuration-service-plan.ts and node-loss.ts. Every write uses the field manager
// akri.sh/controller and touches only what the controller owns.
import type { V1Job, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Configuration } from '../lib/crd/configuration.ts';
import { AKRI_API_VERSION, CONFIGURATION_PLURAL, INSTANCE_PLURAL } from '../lib/crd/group.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { BoundedQueue } from '../lib/async/bounded.ts';
import { EventRecorder, type EventType } from '../lib/kube/event-recorder.ts';
import { KubeApiError, kubeRequest, serverSideApply, type KubeEndpoint } from '../lib/kube/raw-request.ts';
import type { Logger } from '../lib/observability/logger.ts';
import { LeaderElector, apiLeaseClient } from '../lib/reconcile/leader-election.ts';
import { Informer, apiListerWatcher, objectKey, type ChangeType, type KubeObject } from '../lib/reconcile/informer.ts';
import { BY_CONFIGURATION, BY_NODE, instanceConfiguration, instanceNodes, labelIndex } from '../lib/reconcile/indexes.ts';
import { WorkQueue } from '../lib/reconcile/work-queue.ts';
import { systemClock, type Clock } from '../lib/time/clock.ts';
import { CONFIGURATION_LABEL, FIELD_MANAGER, INSTANCE_LABEL, TARGET_NODE_LABEL, serviceName } from './broker-names.ts';
import { planBrokers, type BrokerOperation } from './broker-plan.ts';
import { planConfigurationService } from './configuration-service-plan.ts';
import { ControllerMetrics } from './controller-metrics.ts';
import { DraPublisher } from './dra-publisher.ts';
import { isNodeLost, isNodeReady, nodeLossPatch, readyStatus } from './node-loss.ts';
import { RecreateBackoff } from './recreate-backoff.ts';

export interface BrokerControllerOptions {
  kc: KubeEndpoint;
  /** This replica's name in the leader Lease and in Events (e.g. the pod name). */
  identity: string;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  /** Watch one namespace only; all namespaces when unset. */
  namespace?: string;
  leaseNamespace: string;
  leaseName?: string;
  leaseDurationMs?: number;
  /** How many brokers of one Configuration may be replaced at once after an edit. */
  rolloutBatch?: number;
  /** Local Instances whose node stays lost this long are deleted. */
  lostNodeGraceMs?: number;
  /** How soon a lost node is removed again from an Instance after an agent put it back. */
  nodeLossRetryMs?: number;
  resyncMs?: number;
  workers?: number;
  watchTimeoutSeconds?: number;
  /** Write DeviceClasses, shared ResourceSlices and broker claim templates for DRA Configurations. */
  dra?: boolean;
}

type Verb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete' | 'apply';

const INSTANCE_KEY = 'instance/';
const CONFIGURATION_KEY = 'configuration/';

export class BrokerController {
  readonly metrics: ControllerMetrics;
  private readonly configurations: Informer<Configuration>;
  private readonly instances: Informer<Instance>;
  private readonly pods: Informer<V1Pod & KubeObject>;
  private readonly jobs: Informer<V1Job & KubeObject>;
  private readonly services: Informer<V1Service & KubeObject>;
  private readonly nodes: Informer<V1Node & KubeObject>;
  private readonly elector: LeaderElector;
  private readonly events: EventRecorder;
  private readonly backoff = new RecreateBackoff();
  /** Events go out two at a time: a burst must not take the API server's time from the writes. */
  private readonly eventPacer = new BoundedQueue(2);
  private readonly clock: Clock;
  private readonly log: Logger;
  private queue: WorkQueue | undefined;
  /** Pods deleted for a spec change and not yet gone (key → when), per Configuration key. */
  private readonly replacing = new Map<string, Map<string, number>>();
  private readonly orphanedSince = new Map<string, number>();
  private readonly nodeRemovedAt = new Map<string, number>();
  /** Nodes this controller has seen Ready: only those count as lost when NotReady. */
  private readonly seenReady = new Set<string>();
  private started = false;
  private readonly dra: DraPublisher | undefined;

  constructor(private readonly options: BrokerControllerOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: 'controller', identity: options.identity });
    this.metrics = new ControllerMetrics(options.registry, () => this.brokerPods());
    this.events = new EventRecorder(options.kc, 'akri-controller', options.identity, () => new Date(this.clock.now()));
    const ns = options.namespace ? `/namespaces/${options.namespace}` : '';
    const cache = <T extends KubeObject>(
      resource: string,
      path: string,
      extra: { labelSelector?: string; indexes?: Record<string, (obj: T) => string[]> },
      onEvent: (type: ChangeType, obj: T, old: T | undefined) => void,
    ) => {
      // At 0 from the start: a dashboard's rate() of relists then has a series before the first one.
      this.metrics.relists.inc({ resource }, 0);
      return new Informer<T>({
        source: apiListerWatcher<T>(options.kc, path, { labelSelector: extra.labelSelector }),
        name: path,
        indexes: extra.indexes,
        logger: this.log.child({ resource }),
        clock: this.clock,
        resyncMs: options.resyncMs ?? 300_000,
        watchTimeoutSeconds: options.watchTimeoutSeconds,
        onEvent,
        onResync: () => this.enqueueAll(),
        onRequest: (verb) => this.count(verb, resource),
        onRelist: () => this.metrics.relists.inc({ resource }),
      });
    };
    const akri = `/apis/${AKRI_API_VERSION}${ns}`;
    this.configurations = cache<Configuration>('configurations', `${akri}/${CONFIGURATION_PLURAL}`, {}, (_t, c) => {
      this.onConfiguration(c);
      this.dra?.kick();
    });
    this.instances = cache<Instance>(
      'instances',
      `${akri}/${INSTANCE_PLURAL}`,
      { indexes: { [BY_CONFIGURATION]: instanceConfiguration, [BY_NODE]: instanceNodes } },
      (_t, i) => {
        this.add(INSTANCE_KEY + objectKey(i));
        this.dra?.kick();
      },
    );
    this.pods = cache<V1Pod & KubeObject>(
      'pods',
      `/api/v1${ns}/pods`,
      { labelSelector: INSTANCE_LABEL, indexes: { [INSTANCE_LABEL]: labelIndex(INSTANCE_LABEL), [CONFIGURATION_LABEL]: labelIndex(CONFIGURATION_LABEL) } },
      (t, p) => this.onOwned(t, p),
    );
    this.jobs = cache<V1Job & KubeObject>('jobs', `/apis/batch/v1${ns}/jobs`, { labelSelector: INSTANCE_LABEL, indexes: { [INSTANCE_LABEL]: labelIndex(INSTANCE_LABEL) } }, (t, j) =>
      this.onOwned(t, j),
    );
    this.services = cache<V1Service & KubeObject>('services', `/api/v1${ns}/services`, { labelSelector: 'controller=akri.sh' }, (t, s) => this.onOwned(t, s));
    this.nodes = cache<V1Node & KubeObject>('nodes', '/api/v1/nodes', {}, (t, n, old) => {
      this.onNode(t, n, old);
      const hostname = (x: V1Node | undefined) => x?.metadata?.labels?.['kubernetes.io/hostname'];
      if (t !== 'MODIFIED' || hostname(n) !== hostname(old)) this.dra?.kick();
    });
    const leaseName = options.leaseName ?? 'akri-controller';
    this.elector = new LeaderElector({
      leases: apiLeaseClient(options.kc, options.leaseNamespace, leaseName, LeaderElector.renewDeadlineMs(options.leaseDurationMs), (verb) =>
        this.count(verb, 'leases'),
      ),
      name: leaseName,
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs,
      clock: this.clock,
      logger: this.log,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => this.stopLeading(),
    });
    if (options.dra) {
      this.dra = new DraPublisher({
        kc: options.kc,
        namespace: options.namespace,
        logger: this.log,
        clock: this.clock,
        resyncMs: options.resyncMs ?? 300_000,
        watchTimeoutSeconds: options.watchTimeoutSeconds,
        configurations: () => this.configurations.list(),
        instances: () => this.instances.list(),
        hostnameOf: (node) => this.nodes.get(node)?.metadata?.labels?.['kubernetes.io/hostname'],
        count: (verb, resource) => this.count(verb, resource),
        event: (target, type, reason, message) => {
          this.count('create', 'events', 2);
          this.eventPacer.push(() => this.events.record({ apiVersion: AKRI_API_VERSION, ...target }, type, reason, message));
        },
      });
    }
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** Fills the caches (so a standby replica is warm), then campaigns for the Lease. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...[this.configurations, this.instances, this.pods, this.jobs, this.services, this.nodes].map((c) => c.start()), this.dra?.start()]);
    this.log.info('caches synced', { instances: this.instances.size, pods: this.pods.size, nodes: this.nodes.size });
    if (this.started) this.elector.start();
  }

  /** Stops; a leader hands the Lease back so that a standby takes over at once. */
  async stop(): Promise<void> {
    this.started = false;
    await this.elector.stop();
    this.stopLeading();
    for (const c of [this.configurations, this.instances, this.pods, this.jobs, this.services, this.nodes]) c.stop();
    this.dra?.stop();
  }

  /** Resolves when the queue has nothing to do (tests and benchmarks). */
  async idle(): Promise<void> {
    await this.queue?.idle();
    await this.dra?.idle();
  }

  private count(verb: Verb, resource: string, n = 1): void {
    this.metrics.apiRequests.inc({ verb, resource }, n);
  }

  private *brokerPods(): Iterable<V1Pod> {
    for (const pod of this.pods.list()) {
      if (pod.metadata?.labels?.[TARGET_NODE_LABEL] !== undefined && !pod.metadata.deletionTimestamp) yield pod;
    }
  }

  private startLeading(): void {
    this.metrics.leader.set(1);
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      workers: this.options.workers ?? 8,
      clock: this.clock,
      onError: (key, err, attempt) => this.log.warn('reconcile failed; retrying with backoff', { key, attempt, error: (err as Error).message }),
    });
    this.enqueueAll();
    this.dra?.setLeading(true);
  }

  private stopLeading(): void {
    this.dra?.setLeading(false);
    this.metrics.leader.set(0);
    this.queue?.stop();
    this.queue = undefined;
  }

  private add(key: string): void {
    this.queue?.add(key);
  }

  private enqueueAll(): void {
    for (const c of this.configurations.list()) this.add(CONFIGURATION_KEY + objectKey(c));
    for (const i of this.instances.list()) this.add(INSTANCE_KEY + objectKey(i));
  }

  private onConfiguration(c: Configuration): void {
    this.add(CONFIGURATION_KEY + objectKey(c));
    for (const i of this.instances.byIndex(BY_CONFIGURATION, objectKey(c))) this.add(INSTANCE_KEY + objectKey(i));
  }

  private onOwned(type: string, obj: KubeObject): void {
    const ns = obj.metadata?.namespace ?? '';
    const labels = obj.metadata?.labels ?? {};
    if (type === 'DELETED') for (const reserved of this.replacing.values()) reserved.delete(objectKey(obj));
    if (labels[INSTANCE_LABEL]) this.add(`${INSTANCE_KEY}${ns}/${labels[INSTANCE_LABEL]}`);
    if (labels[CONFIGURATION_LABEL]) this.add(`${CONFIGURATION_KEY}${ns}/${labels[CONFIGURATION_LABEL]}`);
  }

  private onNode(type: string, node: V1Node, old: V1Node | undefined): void {
    // Heartbeats change a node every few seconds; only a change of readiness matters here.
    const name = node.metadata?.name ?? '';
    if (type === 'DELETED') this.seenReady.delete(name);
    else if (isNodeReady(node)) this.seenReady.add(name);
    if (type === 'MODIFIED' && old && readyStatus(old) === readyStatus(node)) return;
    for (const i of this.instances.byIndex(BY_NODE, name)) this.add(INSTANCE_KEY + objectKey(i));
  }

  /** A node a broker can run on now. */
  private usable(node: string): boolean {
    const n = this.nodes.get(node);
    return n !== undefined && isNodeReady(n);
  }

  private lost(node: string): boolean {
    return isNodeLost(this.nodes.get(node), this.seenReady.has(node));
  }

  private async reconcile(key: string): Promise<void> {
    const kind = key.startsWith(INSTANCE_KEY) ? 'instance' : 'configuration';
    try {
      if (kind === 'instance') await this.reconcileInstance(key.slice(INSTANCE_KEY.length));
      else await this.reconcileConfiguration(key.slice(CONFIGURATION_KEY.length));
      this.metrics.reconciles.inc({ kind, result: 'ok' });
    } catch (err) {
      this.metrics.reconciles.inc({ kind, result: 'error' });
      throw err;
    }
  }

  private async reconcileInstance(key: string): Promise<void> {
    const instance = this.instances.get(key);
    if (!instance || instance.metadata.deletionTimestamp) {
      this.orphanedSince.delete(key);
      return;
    }
    const ns = instance.metadata.namespace ?? '';
    const name = instance.metadata.name ?? '';
    const log = this.log.child({ configuration: instance.spec.configurationName, instance: name });
    const now = this.clock.now();

    if (await this.removeLostNodes(key, instance, log, now)) return; // the write's watch event brings us back
    if (await this.cleanUpOrphanedLocalInstance(key, instance, log, now)) return;

    const configuration = this.configurations.get(`${ns}/${instance.spec.configurationName}`);
    if (!configuration) return; // nothing to run until the Configuration exists
    const cfgKey = objectKey(configuration);
    const inFlight = this.rolloutInFlight(cfgKey, ns, configuration.metadata.name ?? '', now);
    const pods = this.pods.byIndex(INSTANCE_LABEL, key);
    const plan = planBrokers({
      configuration,
      instance,
      pods,
      jobs: this.jobs.byIndex(INSTANCE_LABEL, key),
      service: this.services.get(`${ns}/${serviceName(name)}`),
      usableNodes: new Set((instance.spec.nodes ?? []).filter((n) => this.usable(n))),
      rolloutBudget: Math.max(0, (this.options.rolloutBatch ?? 3) - inFlight),
      recreateNotBefore: (pod) => this.backoff.notBefore(`${ns}/${pod}`, now),
      createdBefore: (pod) => this.backoff.createdBefore(`${ns}/${pod}`),
      now,
    });
    // Reserve the rollout budget before the first await, so concurrent reconciles of the same
    // Configuration's Instances cannot together replace more than the batch.
    for (const op of plan.operations) {
      if (op.kind !== 'deletePod' || op.reason !== 'SpecChanged') continue;
      const reserved = this.replacing.get(cfgKey) ?? new Map<string, number>();
      reserved.set(`${ns}/${op.name}`, now);
      this.replacing.set(cfgKey, reserved);
    }
    await this.execute(plan.operations, instance, ns, log);
    if (plan.requeueAfterMs !== undefined) this.queue?.addAfter(INSTANCE_KEY + key, plan.requeueAfterMs);
  }

  /**
   * Brokers of a Configuration being replaced right now: those we deleted for a spec change
   * (until they are gone; a reservation covers the moment before our cache sees the deletion)
   * and any other terminating broker on a live node. Brokers stuck terminating on a lost node
   * do not count, or a dead node would stall every rollout.
   */
  private rolloutInFlight(cfgKey: string, ns: string, configuration: string, now: number): number {
    const reserved = this.replacing.get(cfgKey) ?? new Map<string, number>();
    const onLiveNode = (pod: V1Pod) => this.usable(pod.metadata?.labels?.[TARGET_NODE_LABEL] ?? '');
    for (const [key, at] of reserved) {
      const pod = this.pods.get(key);
      if (!pod || !onLiveNode(pod) || (!pod.metadata?.deletionTimestamp && now - at > 10_000)) reserved.delete(key);
    }
    let count = reserved.size;
    for (const pod of this.pods.byIndex(CONFIGURATION_LABEL, `${ns}/${configuration}`)) {
      const key = objectKey(pod);
      if (pod.metadata?.deletionTimestamp && pod.metadata.labels?.[TARGET_NODE_LABEL] && onLiveNode(pod) && !reserved.has(key)) count++;
    }
    return count;
  }

  private async reconcileConfiguration(key: string): Promise<void> {
    const configuration = this.configurations.get(key);
    if (!configuration || configuration.metadata.deletionTimestamp) {
      this.replacing.delete(key);
      return; // its Service goes with it: the Configuration owns it
    }
    const ns = configuration.metadata.namespace ?? '';
    const name = configuration.metadata.name ?? '';
    const pods = this.pods.byIndex(CONFIGURATION_LABEL, key);
    const ops = planConfigurationService(configuration, pods, this.services.get(`${ns}/${serviceName(name)}`));
    await this.execute(ops, undefined, ns, this.log.child({ configuration: name }));
  }

  /** Node loss: returns true when it wrote (the Instance will come back through its watch). */
  private async removeLostNodes(key: string, instance: Instance, log: Logger, now: number): Promise<boolean> {
    const retryMs = this.options.nodeLossRetryMs ?? 30_000;
    const lost = (node: string) => this.lost(node);
    const patch = nodeLossPatch(instance, lost);
    if (!patch) return false;
    const lostNodes = (instance.spec.nodes ?? []).filter(lost);
    // If an agent on a NotReady node keeps adding itself back, do not fight it in a hot loop.
    const recent = lostNodes.map((n) => this.nodeRemovedAt.get(`${key}|${n}`)).filter((t): t is number => t !== undefined && now - t < retryMs);
    if (recent.length > 0 && recent.length === lostNodes.length) {
      this.queue?.addAfter(INSTANCE_KEY + key, retryMs - (now - Math.max(...recent)));
      return false;
    }
    const ns = instance.metadata.namespace ?? '';
    this.count('patch', 'instances');
    try {
      await kubeRequest(this.options.kc, {
        method: 'PATCH',
        path: `/apis/${AKRI_API_VERSION}/namespaces/${ns}/${INSTANCE_PLURAL}/${instance.metadata.name}`,
        query: { fieldManager: FIELD_MANAGER },
        contentType: 'application/merge-patch+json',
        body: patch,
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return true;
      throw err; // 409: an agent wrote first; the retry decides again on what it wrote
    }
    for (const n of lostNodes) this.nodeRemovedAt.set(`${key}|${n}`, now);
    const message = `node(s) ${lostNodes.join(', ') || '(none)'} lost (NotReady or deleted): removed from nodes, and their device slots freed`;
    log.info('removed lost nodes from instance', { nodes: lostNodes.join(',') });
    this.event(instance, 'Warning', 'NodeLost', message);
    return true;
  }

  /** A local Instance whose node stays lost past the grace period is deleted. */
  private async cleanUpOrphanedLocalInstance(key: string, instance: Instance, log: Logger, now: number): Promise<boolean> {
    if (instance.spec.shared || (instance.spec.nodes ?? []).some((n) => !this.lost(n))) {
      this.orphanedSince.delete(key);
      return false;
    }
    const since = this.orphanedSince.get(key) ?? now;
    this.orphanedSince.set(key, since);
    const grace = this.options.lostNodeGraceMs ?? 300_000;
    if (now - since < grace) {
      this.queue?.addAfter(INSTANCE_KEY + key, grace - (now - since));
      return false;
    }
    this.count('delete', 'instances');
    await kubeRequest(this.options.kc, {
      method: 'DELETE',
      path: `/apis/${AKRI_API_VERSION}/namespaces/${instance.metadata.namespace}/${INSTANCE_PLURAL}/${instance.metadata.name}`,
      body: { preconditions: { uid: instance.metadata.uid } },
    }).catch((err: unknown) => {
      if (!(err instanceof KubeApiError && (err.status === 404 || err.status === 409))) throw err;
    });
    this.orphanedSince.delete(key);
    log.info('deleted local instance whose node stayed lost', { graceMs: grace });
    return true;
  }

  private event(instance: Instance | undefined, type: EventType, reason: string, message: string): void {
    if (!instance) return;
    this.count('create', 'events', 2); // the recorder reads, then creates or bumps
    const target = { apiVersion: AKRI_API_VERSION, kind: 'Instance', name: instance.metadata.name ?? '', namespace: instance.metadata.namespace, uid: instance.metadata.uid };
    this.eventPacer.push(() => this.events.record(target, type, reason, message));
  }

  private async execute(ops: BrokerOperation[], instance: Instance | undefined, ns: string, log: Logger): Promise<void> {
    const ignore = (...codes: number[]) => (err: unknown) => {
      if (err instanceof KubeApiError && codes.includes(err.status)) return false;
      throw err;
    };
    for (const op of ops) {
      switch (op.kind) {
        case 'createPod': {
          const name = op.pod.metadata?.name ?? '';
          this.count('create', 'pods');
          const created = await kubeRequest(this.options.kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, query: { fieldManager: FIELD_MANAGER }, body: op.pod })
            .then(() => true)
            .catch(ignore(409));
          if (!created) break; // our cache was behind: it exists
          this.backoff.recordCreate(`${ns}/${name}`, this.clock.now());
          this.metrics.brokerChanges.inc({ action: 'created', reason: op.recreate ? 'Recreated' : 'Created' });
          log.info(op.recreate ? 'recreated broker pod' : 'created broker pod', { pod: name, node: op.node });
          this.event(instance, 'Normal', op.recreate ? 'BrokerRecreated' : 'BrokerCreated', `broker pod ${name} ${op.recreate ? 'recreated' : 'created'} for node ${op.node}`);
          break;
        }
        case 'deletePod': {
          this.count('delete', 'pods');
          const deleted = await kubeRequest(this.options.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${op.name}` })
            .then(() => true)
            .catch(ignore(404));
          if (!deleted) break;
          const replaced = op.reason === 'SpecChanged' || op.reason === 'BrokerFailed' || op.reason === 'BrokerSucceeded';
          this.metrics.brokerChanges.inc({ action: replaced ? 'replaced' : 'removed', reason: op.reason });
          log.info(replaced ? 'replacing broker pod' : 'removed broker pod', { pod: op.name, node: op.node, reason: op.reason });
          this.event(instance, 'Normal', replaced ? 'BrokerReplaced' : 'BrokerRemoved', `broker pod ${op.name} on node ${op.node} ${replaced ? 'is being replaced' : 'removed'}: ${op.reason}`);
          break;
        }
        case 'createJob': {
          const name = op.job.metadata?.name ?? '';
          this.count('create', 'jobs');
          const created = await kubeRequest(this.options.kc, { method: 'POST', path: `/apis/batch/v1/namespaces/${ns}/jobs`, query: { fieldManager: FIELD_MANAGER }, body: op.job })
            .then(() => true)
            .catch(ignore(409));
          if (!created) break;
          this.metrics.brokerChanges.inc({ action: 'created', reason: 'Created' });
          log.info('created broker job', { job: name });
          this.event(instance, 'Normal', 'BrokerCreated', `broker job ${name} created`);
          break;
        }
        case 'deleteJob': {
          this.count('delete', 'jobs');
          const deleted = await kubeRequest(this.options.kc, {
            method: 'DELETE',
            path: `/apis/batch/v1/namespaces/${ns}/jobs/${op.name}`,
            body: { propagationPolicy: 'Background' },
          })
            .then(() => true)
            .catch(ignore(404));
          if (!deleted) break;
          const replaced = op.reason === 'SpecChanged';
          this.metrics.brokerChanges.inc({ action: replaced ? 'replaced' : 'removed', reason: op.reason });
          log.info(replaced ? 'replacing broker job' : 'removed broker job', { job: op.name, reason: op.reason });
          this.event(instance, 'Normal', replaced ? 'BrokerReplaced' : 'BrokerRemoved', `broker job ${op.name} ${replaced ? 'replaced: the Configuration changed' : `removed: ${op.reason}`}`);
          break;
        }
        case 'applyService': {
          const name = op.service.metadata?.name ?? '';
          this.count('apply', 'services');
          try {
            await serverSideApply(this.options.kc, `/api/v1/namespaces/${ns}/services/${name}`, op.service, FIELD_MANAGER, true);
          } catch (err) {
            // An edit to an immutable field (e.g. clusterIP): replace the Service instead.
            if (!(err instanceof KubeApiError && err.status === 422)) throw err;
            this.count('delete', 'services');
            await kubeRequest(this.options.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/services/${name}` }).catch(ignore(404));
            throw err;
          }
          this.metrics.brokerChanges.inc({ action: 'applied', reason: 'Service' });
          log.info('applied service', { service: name });
          break;
        }
        case 'deleteService': {
          this.count('delete', 'services');
          await kubeRequest(this.options.kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/services/${op.name}` }).catch(ignore(404));
          this.metrics.brokerChanges.inc({ action: 'removed', reason: op.reason });
          log.info('removed service', { service: op.name, reason: op.reason });
          break;
        }
      }
    }
  }
}
