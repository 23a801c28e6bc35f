// The controller's Dynamic Resource Allocation writes, carried out: watch-fed caches of every
// DeviceClass, of the ResourceSlices the controller wrote and of akri-ts's ResourceClaimTemplates;
// and, while this replica leads, passes that compute planDra() from them and the broker
// controller's Configurations and Instances and apply the difference (server-side apply under
// the controller's field manager; deletes with a UID precondition). Passes are coalesced: any
// number of kicks during a pass cause one more pass. Conflicts and attribute limits become
// Events, once per distinct message.
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { CONTROLLER_WRITER, MANAGED_BY, MANAGED_BY_LABEL, WRITER_LABEL } from '../lib/dra/driver.ts';
import { DEVICE_CLASSES_PATH, RESOURCE_API, RESOURCE_SLICES_PATH, type DeviceClass, type ResourceClaimTemplate, type ResourceSlice } from '../lib/dra/resource-api.ts';
import type { EventType } from '../lib/kube/event-recorder.ts';
import { KubeApiError, kubeRequest, serverSideApply, type KubeEndpoint } from '../lib/kube/raw-request.ts';
import type { Logger } from '../lib/observability/logger.ts';
import { Informer, apiListerWatcher, type KubeObject } from '../lib/reconcile/informer.ts';
import type { Clock, TimerHandle } from '../lib/time/clock.ts';
import { FIELD_MANAGER } from './broker-names.ts';
import { planDra, type DraPlan } from './dra-plan.ts';

type Verb = 'list' | 'watch' | 'create' | 'delete' | 'apply';

export interface DraPublisherOptions {
  kc: KubeEndpoint;
  namespace?: string;
  logger: Logger;
  clock: Clock;
  resyncMs: number;
  watchTimeoutSeconds?: number;
  configurations: () => readonly Configuration[];
  instances: () => readonly Instance[];
  hostnameOf: (node: string) => string | undefined;
  count: (verb: Verb, resource: string) => void;
  event: (target: { kind: 'Configuration' | 'Instance'; namespace: string; name: string; uid?: string }, type: EventType, reason: string, message: string) => void;
  retryMs?: number;
}

export class DraPublisher {
  private readonly classes: Informer<DeviceClass & KubeObject>;
  private readonly slices: Informer<ResourceSlice & KubeObject>;
  private readonly templates: Informer<ResourceClaimTemplate & KubeObject>;
  private readonly log: Logger;
  private leading = false;
  private running: Promise<void> | undefined;
  private again = false;
  private retry: TimerHandle | undefined;
  private readonly told = new Map<string, string>();

  constructor(private readonly o: DraPublisherOptions) {
    this.log = o.logger.child({ component: 'dra' });
    const cache = <T extends KubeObject>(resource: string, path: string, labelSelector?: string) =>
      new Informer<T>({
        source: apiListerWatcher<T>(o.kc, path, { labelSelector }),
        name: path,
        logger: this.log.child({ resource }),
        clock: o.clock,
        resyncMs: o.resyncMs,
        watchTimeoutSeconds: o.watchTimeoutSeconds,
        onEvent: () => this.kick(),
        onResync: () => this.kick(),
        onRequest: (verb) => o.count(verb, resource),
      });
    this.classes = cache('deviceclasses', DEVICE_CLASSES_PATH);
    this.slices = cache('resourceslices', RESOURCE_SLICES_PATH, `${WRITER_LABEL}=${CONTROLLER_WRITER}`);
    const ns = o.namespace ? `/namespaces/${o.namespace}` : '';
    this.templates = cache('resourceclaimtemplates', `/apis/${RESOURCE_API}${ns}/resourceclaimtemplates`, `${MANAGED_BY_LABEL}=${MANAGED_BY}`);
  }

  start(): Promise<void[]> {
    return Promise.all([this.classes.start(), this.slices.start(), this.templates.start()]);
  }

  stop(): void {
    this.leading = false;
    if (this.retry !== undefined) this.o.clock.clearTimeout(this.retry);
    for (const c of [this.classes, this.slices, this.templates]) c.stop();
  }

  /** Starts or stops writing, as the leader Lease comes and goes. */
  setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) this.kick();
  }

  kick(): void {
    if (!this.leading) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  plan(): DraPlan {
    return planDra({
      configurations: this.o.configurations(),
      instances: this.o.instances(),
      classes: this.classes.list(),
      slices: this.slices.list(),
      templates: this.templates.list(),
      hostnameOf: this.o.hostnameOf,
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (!this.leading) return;
      try {
        await this.carryOut(this.plan());
      } catch (err) {
        this.log.warn('DRA writes failed; retrying', { error: (err as Error).message });
        this.retry = this.o.clock.setTimeout(() => this.kick(), this.o.retryMs ?? 2000);
        return;
      }
    } while (this.again);
  }

  private tell(key: string, message: string, fire: () => void): void {
    if (this.told.get(key) === message) return;
    this.told.set(key, message);
    fire();
  }

  private async carryOut(plan: DraPlan): Promise<void> {
    const o = this.o;
    const apply = (resource: string, path: string, body: unknown) => {
      o.count('apply', resource);
      return serverSideApply(o.kc, path, body, FIELD_MANAGER, true);
    };
    const remove = async (resource: string, path: string, uid?: string) => {
      o.count('delete', resource);
      await kubeRequest(o.kc, { method: 'DELETE', path, body: uid ? { preconditions: { uid } } : undefined }).catch((err: unknown) => {
        if (!(err instanceof KubeApiError && (err.status === 404 || err.status === 409))) throw err;
      });
    };
    for (const c of plan.conflicts) {
      const m = c.configuration.metadata;
      this.tell(`class|${m.namespace}/${m.name}`, c.message, () =>
        o.event({ kind: 'Configuration', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid }, 'Warning', 'DeviceClassConflict', c.message),
      );
    }
    for (const r of plan.attributeReports) {
      const m = r.instance.metadata;
      this.tell(`attr|${m.namespace}/${m.name}`, r.message, () =>
        o.event({ kind: 'Instance', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid }, 'Normal', 'DeviceAttributesLimited', r.message),
      );
    }
    for (const w of plan.classes) {
      if (w.kind === 'applyClass') {
        await apply('deviceclasses', `${DEVICE_CLASSES_PATH}/${w.deviceClass.metadata.name}`, w.deviceClass);
        this.log.info('DeviceClass applied', { deviceClass: w.deviceClass.metadata.name });
      } else {
        await remove('deviceclasses', `${DEVICE_CLASSES_PATH}/${w.name}`, w.uid);
        this.log.info('DeviceClass deleted: no DRA Configuration of that name', { deviceClass: w.name });
      }
    }
    for (const w of plan.templates) {
      if (w.kind === 'applyTemplate') {
        const t = w.template.metadata;
        await apply('resourceclaimtemplates', `/apis/${RESOURCE_API}/namespaces/${t.namespace}/resourceclaimtemplates/${t.name}`, w.template);
      } else {
        await remove('resourceclaimtemplates', `/apis/${RESOURCE_API}/namespaces/${w.namespace}/resourceclaimtemplates/${w.name}`);
      }
    }
    for (const w of plan.slices) {
      if (w.kind === 'apply') {
        await apply('resourceslices', `${RESOURCE_SLICES_PATH}/${w.slice.metadata.name}`, w.slice);
        this.log.debug('ResourceSlice applied', { slice: w.slice.metadata.name, generation: w.slice.spec.pool.generation });
      } else {
        await remove('resourceslices', `${RESOURCE_SLICES_PATH}/${w.name}`, w.uid);
      }
    }
  }
}
