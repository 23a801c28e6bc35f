// The agent's level-triggered loop for one Configuration key on this node: read the cached
// Configuration, its Instances and referenced objects; keep the discovery session in line
// with discoveryDetails and properties; carry out the Instance plan; report status, Events
// and metrics. It never trusts the event that woke it, so any wake-up is safe. It reads the
// informers' caches, which only the watch fills: after its own writes it may read an older
// copy, and every write it makes is therefore idempotent (server-side apply, 404 = done).
// replan-triggers.ts decides which watched changes are worth a wake-up at all.
import type { Configuration, NodeDiscoveryStatus } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { AKRI_API_VERSION } from '../../lib/crd/group.ts';
import type { EventRecorder } from '../../lib/kube/event-recorder.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import { DiscoverySession } from '../discovery/discovery-session.ts';
import type { HandlerRegistry } from '../handlers/handler-registry.ts';
import { InstanceWriter } from '../instances/instance-writer.ts';
import { planInstances, type DesiredSpec } from '../instances/plan-instances.ts';
import { configurationNeedsPlan, instanceNeedsPlan, type ChangeType } from './replan-triggers.ts';
import { isNotFound, type AgentApi } from '../kube/agent-api.ts';
import type { AgentMetrics } from '../observability/agent-metrics.ts';
import { nodeStatus, sameNodeStatus, withTransitionTimes } from '../status/node-status.ts';
import { StatusWriter } from '../status/status-writer.ts';
import { problemEventReporter } from '../discovery/problem-events.ts';
import type { ReferencedObjects } from './referenced-objects.ts';
import type { DeviceStore } from '../devices/device-store.ts';
import { discoveredDevices } from '../devices/discovered-devices.ts';
import { referencedObjects, refuseForeignReferences, requestFingerprint, resolveProperties } from './resolve-properties.ts';
import type { NamespaceGrant } from './reference-policy.ts';
import { forEachBounded } from '../../lib/async/bounded.ts';
import type { Clock } from '../../lib/time/clock.ts';

export interface ReconcilerDeps {
  node: string;
  api: AgentApi;
  /** The Configurations informer's cache, by `namespace/name`. */
  configurations: { get(key: string): Configuration | undefined };
  instancesOf: (namespace: string, configuration: string) => Instance[];
  referenced: ReferencedObjects;
  registry: HandlerRegistry;
  metrics: AgentMetrics;
  events: EventRecorder;
  log: Logger;
  clock: Clock;
  defaultGraceSeconds: number;
  requeueAfter: (key: string, ms: number) => void;
  requeue: (key: string) => void;
  /** Parallel API writes while carrying out one plan. */
  writeConcurrency: number;
  maxBackoffMs?: number;
  /** Where each Configuration's latest snapshot is published for the device backends. */
  devices: DeviceStore;
  /** Namespaces besides its own that a Configuration's discoveryProperties may read. */
  namespaceGrants?: readonly NamespaceGrant[];
}

interface KeyState {
  session?: DiscoverySession;
  fingerprint?: string;
  missingSince: Map<string, number>;
  /** The state (and, for a refused reference, which) last reported with an Event. */
  reportedState?: string;
  isShared: string;
  /** What the last plan wanted each Instance to be (see replan-triggers.ts). */
  desired?: Map<string, DesiredSpec>;
  /** The status entry this node last wrote. */
  written?: NodeDiscoveryStatus;
}

const TROUBLE: ReadonlyArray<NodeDiscoveryStatus['state']> = ['WaitingForHandler', 'HandlerUnavailable', 'InvalidDiscoveryDetails', 'PropertiesUnresolved'];

export class ConfigurationReconciler {
  private readonly states = new Map<string, KeyState>();
  private readonly writer: InstanceWriter;
  private readonly statusWriter: StatusWriter;

  constructor(private readonly d: ReconcilerDeps) {
    this.writer = new InstanceWriter(d.api, d.node);
    this.statusWriter = new StatusWriter(d.api, d.node);
  }

  /** Whether a watched change of one of a Configuration's Instances is worth a reconcile. */
  needsPlanForInstance(type: ChangeType, instance: Instance, old: Instance | undefined): boolean {
    const key = `${instance.metadata.namespace ?? ''}/${instance.spec.configurationName}`;
    return instanceNeedsPlan(type, instance, old, this.d.node, this.states.get(key)?.desired);
  }

  /** Whether a watched change of a Configuration is worth a reconcile. */
  needsPlanForConfiguration(type: ChangeType, current: Configuration, old: Configuration | undefined): boolean {
    const key = `${current.metadata.namespace ?? ''}/${current.metadata.name ?? ''}`;
    return configurationNeedsPlan(type, current, old, this.d.node, this.states.get(key)?.written);
  }

  /** Stops discovery without touching the API (the agent is going away, not the devices). */
  stopAll(): void {
    for (const s of this.states.values()) s.session?.stop();
    this.states.clear();
  }

  async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const cfg = this.d.configurations.get(key);
    let st = this.states.get(key);
    if (!st) this.states.set(key, (st = { missingSince: new Map(), isShared: 'false' }));
    const log = this.d.log.child({ configuration: name, namespace });

    if (!cfg) {
      await this.forget(key, namespace, name, st, false);
      return;
    }
    if (cfg.metadata.deletionTimestamp) {
      await this.forget(key, namespace, name, st, true);
      if ((cfg.metadata.finalizers ?? []).includes(this.d.node)) await this.setConfigurationFinalizer(namespace, name, false);
      log.info('Configuration deleted: discovery stopped, this node left its Instances');
      return;
    }
    if (!(cfg.metadata.finalizers ?? []).includes(this.d.node)) await this.setConfigurationFinalizer(namespace, name, true);

    // Discovery properties, from the watched Secrets and ConfigMaps. A reference to a namespace
    // the Configuration may not read refuses it before any object is watched or read.
    const props = cfg.spec.discoveryHandler.discoveryProperties;
    const refusal = refuseForeignReferences(props, namespace, this.d.namespaceGrants ?? []);
    const refs = refusal ? [] : referencedObjects(props, namespace);
    this.d.referenced.track(key, refs);
    if (refs.some((r) => !this.d.referenced.lookup(r).synced)) return; // woken again once known
    const resolution = refusal ?? resolveProperties(props, namespace, (r) => this.d.referenced.lookup(r).object);
    const handler = cfg.spec.discoveryHandler.name;
    const details = cfg.spec.discoveryHandler.discoveryDetails ?? '';
    if (!resolution.ok) {
      if (st.session) log.warn('discovery stopped: a discovery property cannot be resolved', { error: resolution.message });
      st.session?.stop();
      st.session = undefined;
      st.fingerprint = undefined;
    } else {
      const fingerprint = requestFingerprint(handler, details, resolution.properties);
      if (fingerprint !== st.fingerprint) {
        if (st.session) log.info('discoveryDetails or properties changed: restarting discovery', { handler });
        st.session?.stop();
        st.fingerprint = fingerprint;
        st.session = new DiscoverySession({
          configuration: name,
          handlerName: handler,
          request: {
            details,
            properties: resolution.properties,
            reportProblem: problemEventReporter(
              this.d.events,
              { apiVersion: AKRI_API_VERSION, kind: 'Configuration', name, namespace, uid: cfg.metadata.uid },
              log,
              undefined,
              () => this.d.clock.now(),
            ),
          },
          registry: this.d.registry,
          metrics: this.d.metrics,
          log: this.d.log.child({ configuration: name, namespace }),
          onChange: () => this.d.requeue(key),
          maxBackoffMs: this.d.maxBackoffMs,
          clock: this.d.clock,
        });
      }
    }

    // Instances, and the devices behind them.
    const views = st.session?.views() ?? [];
    const devices = discoveredDevices(this.d.node, { namespace, name }, views);
    const now = this.d.clock.now();
    const graceMs = (cfg.spec.instanceGracePeriodSeconds ?? this.d.defaultGraceSeconds) * 1000;
    const plan = planInstances({
      node: this.d.node,
      configuration: { name, capacity: cfg.spec.capacity ?? 1, brokerProperties: cfg.spec.brokerProperties ?? {} },
      devices,
      existing: this.d.instancesOf(namespace, name),
      missingSince: st.missingSince,
      now,
      graceMs,
    });
    st.missingSince = plan.missingSince;
    st.desired = plan.desired;
    // Published before the Instances are written, so a backend that hears of an Instance finds
    // its device; devices in their grace period keep their last record.
    this.d.devices.publish(key, devices, new Set(plan.missingSince.keys()));
    const owner = { name, namespace, uid: cfg.metadata.uid ?? '' };
    const failures = await this.runOps(plan.ops, (op) =>
      op.kind === 'apply'
        ? this.writer.apply(owner, op.name, op.spec, op.addFinalizer)
        : this.writer.leave(namespace, op.name, op.spec),
    );
    for (const op of plan.ops) {
      if (op.kind === 'leave') log.info('left Instance: device gone for longer than the grace period', { instance: op.name, graceSeconds: graceMs / 1000 });
    }
    if (plan.wakeAt !== undefined) this.d.requeueAfter(key, Math.max(0, plan.wakeAt - now) + 20);
    const shared = String(views[0]?.shared ?? false);
    if (shared !== st.isShared) this.d.metrics.instanceCount.remove({ configuration: name, is_shared: st.isShared });
    st.isShared = shared;
    this.d.metrics.instanceCount.set({ configuration: name, is_shared: shared }, plan.instanceCount);
    this.d.metrics.discoveredDevices.set({ configuration: name }, plan.instanceCount - plan.missingSince.size);

    // Status, and an Event when the node's state turns bad.
    const entry = nodeStatus({
      node: this.d.node,
      handler,
      generation: cfg.metadata.generation,
      propertiesError: resolution.ok ? undefined : resolution.message,
      propertiesReason: resolution.ok ? undefined : resolution.reason,
      endpoints: views,
      instances: plan.instanceCount,
      // Listed so `akri-ts status` can say which devices are about to go; `since` does not
      // change while a device stays missing, so this is written when one goes and comes back.
      inGrace: [...plan.missingSince].map(([instance, since]) => ({
        instance,
        since: new Date(since).toISOString(),
        leaveAt: new Date(since + graceMs).toISOString(),
      })),
    });
    const prev = cfg.status?.nodes?.find((n) => n.node === this.d.node);
    if (!sameNodeStatus(prev, entry)) {
      st.written = entry;
      await this.statusWriter.write(namespace, name, withTransitionTimes(entry, prev, new Date(now)));
    } else {
      st.written = prev;
    }
    // A refused reference has an Event reason of its own (a policy decision, not a typo), and
    // each reference refused gets its Event, also after an edit that names another one.
    const refused = !resolution.ok && resolution.reason === 'ReferenceNotAllowed';
    const eventReason = refused ? 'ReferenceNotAllowed' : entry.state;
    const reportKey = refused ? `${eventReason}\0${entry.message ?? ''}` : eventReason;
    if (reportKey !== st.reportedState) {
      st.reportedState = reportKey;
      if (TROUBLE.includes(entry.state)) {
        log.warn(entry.message ?? entry.state, { state: entry.state, reason: eventReason });
        await this.d.events.record(
          { apiVersion: AKRI_API_VERSION, kind: 'Configuration', name, namespace, uid: cfg.metadata.uid },
          'Warning',
          eventReason,
          entry.message ?? entry.state,
        );
      } else {
        log.info('discovering', { instances: plan.instanceCount });
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} Instance write(s) failed; first: ${failures[0]?.message ?? ''}`);
  }

  private async forget(key: string, namespace: string, name: string, st: KeyState, leave: boolean): Promise<void> {
    st.session?.stop();
    this.d.devices.forget(key);
    this.d.referenced.untrack(key);
    this.d.metrics.instanceCount.remove({ configuration: name, is_shared: st.isShared });
    this.d.metrics.discoveredDevices.remove({ configuration: name });
    const mine = this.d.instancesOf(namespace, name).filter(
      (i) => (i.spec.nodes ?? []).includes(this.d.node) || (i.metadata.finalizers ?? []).includes(this.d.node),
    );
    // With the Configuration gone, garbage collection deletes the Instances; our finalizer must
    // not hold them. While it is being deleted, we leave them properly.
    const failures = await this.runOps(mine, (i) =>
      leave ? this.writer.leave(namespace, i.metadata.name ?? '', i.spec) : this.writer.setFinalizer(namespace, i.metadata.name ?? '', false).then(() => undefined),
    );
    if (failures.length > 0) throw new Error(`cleaning up Instances of ${key}: ${failures[0]?.message ?? ''}`);
    this.states.delete(key);
  }

  private async setConfigurationFinalizer(namespace: string, name: string, present: boolean): Promise<void> {
    try {
      await this.d.api.apply<Configuration>(
        `/apis/akri.sh/v0/namespaces/${namespace}/configurations/${name}`,
        { apiVersion: AKRI_API_VERSION, kind: 'Configuration', metadata: { name, namespace, finalizers: present ? [this.d.node] : [] } },
        `${this.d.node}-fin`,
      );
    } catch (err) {
      if (!isNotFound(err) && (err as { status?: number }).status !== 422) throw err;
    }
  }

  private async runOps<T>(items: T[], run: (item: T) => Promise<unknown>): Promise<Error[]> {
    const failures: Error[] = [];
    await forEachBounded(items, this.d.writeConcurrency, async (item) => {
      try {
        await run(item);
      } catch (err) {
        failures.push(err as Error);
      }
    });
    return failures;
  }
}

