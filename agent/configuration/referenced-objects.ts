// Watches exactly the Secrets and ConfigMaps that Configurations' discoveryProperties name (one
// field-selected watch per object), serves them to property resolution from that cache, and
// tells which Configurations to look at again when one of them changes. Akri ignores such
// changes; we restart discovery with the new values.
import type { Logger } from '../../lib/observability/logger.ts';
import type { AgentApi } from '../kube/agent-api.ts';
import { Informer, apiListerWatcher, type KubeObject } from '../../lib/reconcile/informer.ts';
import type { KeyedObject, ObjectRef } from './resolve-properties.ts';
import type { Clock } from '../../lib/time/clock.ts';

type Watched = KubeObject & KeyedObject;

const refKey = (r: ObjectRef): string => `${r.kind}/${r.namespace}/${r.name}`;

export class ReferencedObjects {
  private readonly watches = new Map<string, Informer<Watched>>();
  /** object key -> the Configuration keys that reference it */
  private readonly users = new Map<string, Set<string>>();

  constructor(
    private readonly api: AgentApi,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly onChange: (configurationKey: string) => void,
  ) {}

  /** Declares the full set of objects one Configuration references (replacing the last set). */
  track(configurationKey: string, refs: ObjectRef[]): void {
    const wanted = new Set(refs.map(refKey));
    for (const [key, users] of this.users) {
      if (!wanted.has(key) && users.delete(configurationKey) && users.size === 0) this.drop(key);
    }
    for (const ref of refs) {
      const key = refKey(ref);
      let users = this.users.get(key);
      if (!users) this.users.set(key, (users = new Set()));
      users.add(configurationKey);
      if (!this.watches.has(key)) this.watch(key, ref);
    }
  }

  untrack(configurationKey: string): void {
    this.track(configurationKey, []);
  }

  /** Undefined object and synced=false mean "not known yet": wait for the watch. */
  lookup(ref: ObjectRef): { synced: boolean; object: KeyedObject | undefined } {
    const lw = this.watches.get(refKey(ref));
    if (!lw) return { synced: false, object: undefined };
    return { synced: lw.synced, object: lw.get(`${ref.namespace}/${ref.name}`) };
  }

  stop(): void {
    for (const lw of this.watches.values()) lw.stop();
    this.watches.clear();
  }

  private watch(key: string, ref: ObjectRef): void {
    const plural = ref.kind === 'Secret' ? 'secrets' : 'configmaps';
    const path = `/api/v1/namespaces/${ref.namespace}/${plural}`;
    const lw = new Informer<Watched>({
      source: apiListerWatcher<Watched>(this.api.kc, path, { fieldSelector: `metadata.name=${ref.name}` }),
      name: `${path}/${ref.name}`,
      logger: this.log,
      clock: this.clock,
      onEvent: () => {
        for (const c of this.users.get(key) ?? []) this.onChange(c);
      },
      onRequest: (verb) => this.api.countInformerRequest(verb),
    });
    this.watches.set(key, lw);
    // The first list may find nothing (no change events); the waiting Configurations still
    // need to hear that the object is now known to be missing.
    void lw.start().then(() => {
      for (const c of this.users.get(key) ?? []) this.onChange(c);
    });
  }

  private drop(key: string): void {
    this.watches.get(key)?.stop();
    this.watches.delete(key);
    this.users.delete(key);
  }
}
