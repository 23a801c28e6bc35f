// A watch-fed cache of one kind of Kubernetes object, as reconcilers read the world from: list,
// then watch from the list's resourceVersion. When the watch expires (410 Gone, "too old
// resource version") or fails in any way, it lists again and reports the difference as events,
// so no change is lost and nothing crashes. A periodic resync lets level-triggered reconcilers
// repair drift that no event announced.
import { kubeRequest, type KubeEndpoint } from '../kube/raw-request.ts';
import { watchStream } from '../kube/watch-stream.ts';
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock } from '../time/clock.ts';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchCacheOptions<T> {
  kc: KubeEndpoint;
  /** The collection, e.g. /api/v1/pods or /apis/akri.sh/v0/namespaces/x/instances. */
  path: string;
  labelSelector?: string;
  logger: Logger;
  clock?: Clock;
  /** Labels to index objects by, for byLabel(). */
  indexLabels?: string[];
  /** Server-side watch timeout; the watch then resumes from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** First delay before relisting after a failure; doubles up to maxRelistDelayMs. */
  relistDelayMs?: number;
  maxRelistDelayMs?: number;
  /** Page size of a list. */
  pageSize?: number;
  resyncMs?: number;
  onEvent?: (type: CacheEventType, obj: T, old: T | undefined) => void;
  onResync?: () => void;
  /** Called for every request sent to the API server (for request accounting). */
  onRequest?: (verb: 'list' | 'watch') => void;
  /**
   * Trims each object before it is stored (default: drops metadata.managedFields, which
   * reconcilers never read and which is often the larger part of an object).
   */
  transform?: (obj: T) => T;
  /** Called when the cache lists again after a failed or expired watch. */
  onRelist?: () => void;
}

interface ListResponse<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

interface WatchStatus {
  code?: number;
  reason?: string;
  message?: string;
}

export function objectKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

export class WatchCache<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private resourceVersion = '';
  private stopped = false;
  private synced = false;
  private generation = 0;
  private abort: (() => void) | undefined;
  private relistTimer: unknown;
  private resyncTimer: unknown;
  private failures = 0;
  private syncWaiters: Array<() => void> = [];
  private readonly clock: Clock;
  /** How many times the cache listed again after a failed or expired watch. */
  relists = 0;

  constructor(private readonly options: WatchCacheOptions<T>) {
    this.clock = options.clock ?? systemClock;
    for (const label of options.indexLabels ?? []) this.indexes.set(label, new Map());
  }

  /** Starts listing and watching; resolves once the first list is in (retrying until it is). */
  start(): Promise<void> {
    void this.relist();
    this.scheduleResync();
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.abort?.();
    if (this.relistTimer !== undefined) this.clock.clearTimeout(this.relistTimer);
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  private transform(obj: T): T {
    if (this.options.transform) return this.options.transform(obj);
    const metadata = obj.metadata as (KubeObject['metadata'] & { managedFields?: unknown }) | undefined;
    if (metadata?.managedFields !== undefined) delete metadata.managedFields;
    return obj;
  }

  byLabel(label: string, value: string): T[] {
    const keys = this.indexes.get(label)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  private index(key: string, obj: T | undefined, add: boolean): void {
    if (!obj) return;
    for (const [label, map] of this.indexes) {
      const value = obj.metadata?.labels?.[label];
      if (value === undefined) continue;
      let keys = map.get(value);
      if (add) {
        if (!keys) map.set(value, (keys = new Set()));
        keys.add(key);
      } else if (keys) {
        keys.delete(key);
        if (keys.size === 0) map.delete(value);
      }
    }
  }

  private put(raw: T): void {
    const obj = this.transform(raw);
    const key = objectKey(obj);
    const old = this.store.get(key);
    this.index(key, old, false);
    this.store.set(key, obj);
    this.index(key, obj, true);
    this.options.onEvent?.(old ? 'MODIFIED' : 'ADDED', obj, old);
  }

  private remove(key: string): void {
    const old = this.store.get(key);
    if (!old) return;
    this.index(key, old, false);
    this.store.delete(key);
    this.options.onEvent?.('DELETED', old, old);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.abort?.();
    try {
      const items: T[] = [];
      let cont: string | undefined;
      let rv = '';
      do {
        this.options.onRequest?.('list');
        const page = await kubeRequest<ListResponse<T>>(this.options.kc, {
          method: 'GET',
          path: this.options.path,
          query: { labelSelector: this.options.labelSelector, limit: this.options.pageSize ?? 500, continue: cont },
          timeoutMs: 60_000,
        });
        items.push(...(page.items ?? []));
        cont = page.metadata?.continue || undefined;
        rv = page.metadata?.resourceVersion ?? '';
      } while (cont);
      if (this.stopped || generation !== this.generation) return;
      // Report what changed while we were not watching, as if we had watched it.
      const seen = new Set<string>();
      for (const item of items) {
        const key = objectKey(item);
        seen.add(key);
        if (this.store.get(key)?.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.put(item);
      }
      for (const key of [...this.store.keys()]) if (!seen.has(key)) this.remove(key);
      this.resourceVersion = rv;
      if (!this.synced) {
        this.synced = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
      this.watch(generation);
    } catch (err) {
      if (generation !== this.generation) return;
      this.options.logger.warn('list failed; retrying', { path: this.options.path, error: (err as Error).message });
      this.scheduleRelist();
    }
  }

  private scheduleRelist(): void {
    if (this.stopped || this.relistTimer !== undefined) return;
    this.generation++; // callbacks of the failed watch are ignored from here on
    this.abort?.();
    const base = this.options.relistDelayMs ?? 500;
    const delay = Math.min(this.options.maxRelistDelayMs ?? 30_000, base * 2 ** this.failures);
    this.failures++;
    this.relistTimer = this.clock.setTimeout(() => {
      this.relistTimer = undefined;
      this.relists++;
      this.options.onRelist?.();
      void this.relist();
    }, delay);
  }

  private watch(generation: number): void {
    if (this.stopped || generation !== this.generation) return;
    let expired = false;
    this.options.onRequest?.('watch');
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
      labelSelector: this.options.labelSelector,
    };
    watchStream(
      this.options.kc,
      this.options.path,
      query,
      ({ type, object }) => {
        if (generation !== this.generation) return;
        const o = object as T & WatchStatus;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
            this.put(o);
            break;
          case 'DELETED':
            this.remove(objectKey(o));
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            expired = true;
            this.options.logger.info('watch ended by the server; relisting', { path: this.options.path, code: o.code, reason: o.reason, message: o.message });
            return;
          default:
            return;
        }
        // Reset the relist backoff only once a watch works, so a watch that always fails
        // right after a good list does not relist in a tight loop.
        this.failures = 0;
        const rv = o.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      },
      (err) => {
        if (this.stopped || generation !== this.generation) return;
        if (expired || err) {
          if (err) this.options.logger.info('watch failed; relisting', { path: this.options.path, error: err.message });
          this.scheduleRelist();
        } else {
          this.watch(generation); // a normal server-side timeout: resume where we were
        }
      },
      (query.timeoutSeconds + 30) * 1000,
    )
      .then((abort) => {
        if (generation !== this.generation) abort();
        else this.abort = abort;
      })
      .catch((err: unknown) => {
        if (this.stopped || generation !== this.generation) return;
        this.options.logger.info('watch could not start; relisting', { path: this.options.path, error: (err as Error).message });
        this.scheduleRelist();
      });
  }

  private scheduleResync(): void {
    const every = this.options.resyncMs ?? 0;
    if (every <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.synced) this.options.onResync?.();
      this.scheduleResync();
    }, every);
  }
}
